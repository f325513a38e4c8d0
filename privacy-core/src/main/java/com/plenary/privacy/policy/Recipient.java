package com.plenary.privacy.policy;

/** A party outside the company that may receive personal information, of a declared kind (C25). */
public record Recipient(String id, String kind, String text, int since) {}
