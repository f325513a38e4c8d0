package com.plenary.privacy.domain.versions;

import java.text.MessageFormat;
import java.util.Locale;
import java.util.Map;

/**
 * The sentences of a person's prompt after a policy change, in one language. The privacy center hands
 * the words of the language it shows the page in, so that the text whose SHA-256 is recorded as the
 * evidence of the person's answer is exactly the text they read. {@link #ENGLISH} is the default.
 * Implementations are immutable and thread-safe.
 */
public interface PromptWords {
  /** The sentence under {@code key} with {@code args} in its {@code {0}}, {@code {1}}, … (keys: see {@link #ENGLISH}). */
  String sentence(String key, Object... args);

  /** A name from the policy (kind {@code purpose}, {@code recipient}, {@code category}) in this language: its translation where there is one, {@code text} otherwise. */
  String policy(String kind, String id, String text);

  /** The prompt's sentences in English, with the policy's own names. */
  PromptWords ENGLISH = new PromptWords() {
    private final Map<String, String> sentences = Map.of(
        "prompt.changed", "Our privacy policy changed (version {0}, in force since {1}).",
        "prompt.new-purpose", "A new purpose: {0}.",
        "prompt.dropped-purpose", "We no longer use your data for: {0}.",
        "prompt.new-recipient", "A new recipient we may share data with, only with your consent: {0}.",
        "prompt.new-category", "A new kind of data: {0}.",
        "prompt.closing", "Nothing new applies to you until you agree; you can withdraw any consent later.");

    @Override
    public String sentence(String key, Object... args) {
      String pattern = sentences.get(key);
      if (pattern == null) {
        throw new IllegalArgumentException("no prompt sentence '" + key + "'");
      }
      return new MessageFormat(pattern, Locale.ENGLISH).format(args);
    }

    @Override
    public String policy(String kind, String id, String text) {
      return text;
    }
  };
}
