package com.plenary.privacy.policy;

/** A kind of recipient; processors act on our behalf under an agreement (C25). */
public record RecipientKind(String id, boolean processor, String text) {}
