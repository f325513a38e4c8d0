package com.plenary.privacy.platform;

import com.plenary.privacy.PlenaryException;

/** A configuration that cannot be used: the message names the key and what is allowed. */
public final class ConfigException extends PlenaryException {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
