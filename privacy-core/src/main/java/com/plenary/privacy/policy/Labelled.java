package com.plenary.privacy.policy;

/** An entry that is just an id and its text: partners, legal grounds (C26). */
public record Labelled(String id, String text) {}
