package com.plenary.privacy.decision;

/** The outcome of a decision. There is no "not applicable": what no rule permits is denied. */
public enum Effect {
  PERMIT,
  DENY
}
