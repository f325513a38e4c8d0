package com.plenary.privacy.domain.versions;

import java.text.MessageFormat;
import java.util.Locale;
import java.util.Map;

/**
 * The sentences the platform writes to a person in one language: the prompt after a policy change, and
 * the transfers out of their data centre that their export lists (issue 18). The privacy center hands
 * the words of the language it shows the page in, so that the text whose SHA-256 is recorded as the
 * evidence of the person's answer is exactly the text they read. {@link #ENGLISH} is the default.
 * Implementations are immutable and thread-safe.
 */
public interface PromptWords {
  /** The sentence under {@code key} with {@code args} in its {@code {0}}, {@code {1}}, … (keys: see {@link #ENGLISH}). */
  String sentence(String key, Object... args);

  /** A name from the policy (kind {@code purpose}, {@code recipient}, {@code category}) in this language: its translation where there is one, {@code text} otherwise. */
  String policy(String kind, String id, String text);

  /** The language of these words; names of the policy are lower-cased inside an English sentence only. */
  default Locale locale() {
    return Locale.ENGLISH;
  }

  /** The sentences in English, with the policy's own names. */
  PromptWords ENGLISH = new PromptWords() {
    private final Map<String, String> sentences = Map.of(
        "prompt.changed", "Our privacy policy changed (version {0}, in force since {1}).",
        "prompt.new-purpose", "A new purpose: {0}.",
        "prompt.dropped-purpose", "We no longer use your data for: {0}.",
        "prompt.new-recipient", "A new recipient we may share data with, only with your consent: {0}.",
        "prompt.new-category", "A new kind of data: {0}.",
        "prompt.closing", "Nothing new applies to you until you agree; you can withdraw any consent later.",
        "transfer.text", "Your data ({0}) was read by {1} and transferred to {2}, outside the data centre that holds it. It stays on the company’s network of servers.",
        "transfer.where", "the data centre {0} in {1}",
        "transfer.where-unknown", "the data centre {0}");

    @Override
    public String sentence(String key, Object... args) {
      String pattern = sentences.get(key);
      if (pattern == null) {
        throw new IllegalArgumentException("no sentence '" + key + "'");
      }
      return new MessageFormat(pattern, Locale.ENGLISH).format(args);
    }

    @Override
    public String policy(String kind, String id, String text) {
      return text;
    }
  };
}
