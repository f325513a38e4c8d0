package com.plenary.privacy.policy;

/** A registration field (C2): its name, its data category, its kind of value and its longest length. */
public record Field(String name, String category, String type, int max) {}
