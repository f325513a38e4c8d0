package com.plenary.privacy.policy;

import java.time.Period;

/** How long items of a category are kept (C11). */
public record Retention(String category, Period period) {}
