package com.plenary.privacy.server;

import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.platform.Server;
import com.plenary.privacy.platform.ServerProvider;

/** The HTTP server as the platform's {@link ServerProvider}: what {@code plenary serve} starts, found with {@code ServiceLoader}. */
public final class HttpServerProvider implements ServerProvider {
  @Override
  public Server start(Platform platform) {
    return PlenaryServer.start(platform);
  }
}
