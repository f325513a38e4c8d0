package com.plenary.privacy.policy;

/** A data category, in a tree by dotted ids, with fideslang names where they exist. */
public record Category(String id, String text) {}
