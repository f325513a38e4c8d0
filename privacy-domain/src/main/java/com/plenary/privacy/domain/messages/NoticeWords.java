package com.plenary.privacy.domain.messages;

import java.text.MessageFormat;
import java.util.List;
import java.util.Locale;
import java.util.MissingResourceException;
import java.util.ResourceBundle;

/**
 * The words of the notices the platform itself writes to people (a policy change, a service's request
 * for consent), in one language: the bundle {@code i18n/notices} (English, the default) or one of its
 * translations ({@code notices_de}). A person is written to in the language of their {@code language}
 * field where there is a translation, in English otherwise (see {@link Messages#notice(String, String,
 * Kind, java.util.function.Function, String)}). Immutable and thread-safe.
 */
public final class NoticeWords {
  /** The languages there is a translation for; the first is the default. */
  public static final List<Locale> LANGUAGES = List.of(Locale.ENGLISH, Locale.GERMAN);

  private static final ResourceBundle.Control NO_FALLBACK = ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES);
  private static final NoticeWords ENGLISH = new NoticeWords(Locale.ENGLISH);
  private static final NoticeWords GERMAN = new NoticeWords(Locale.GERMAN);

  private final Locale locale;
  private final ResourceBundle bundle;

  private NoticeWords(Locale locale) {
    this.locale = locale;
    this.bundle = ResourceBundle.getBundle("i18n.notices", locale, NoticeWords.class.getClassLoader(), NO_FALLBACK);
  }

  /** The words in {@code language} where there is a translation, English otherwise (and for null). */
  public static NoticeWords of(Locale language) {
    return language != null && language.getLanguage().equals("de") ? GERMAN : ENGLISH;
  }

  public Locale locale() {
    return locale;
  }

  /** The sentence under {@code key} with {@code args} in its {@code {0}}, {@code {1}}, …; a missing key is a bug, reported by its name. */
  public String format(String key, Object... args) {
    try {
      return new MessageFormat(bundle.getString(key), locale).format(args);
    } catch (MissingResourceException e) {
      throw new IllegalStateException("no notice text '" + key + "' for " + locale, e);
    }
  }

  /** A notice: the subject under {@code key.subject} with {@code subjectArg}, the body under {@code key.body} with {@code bodyArgs}. */
  public Messages.Text text(String key, Object[] subjectArgs, Object... bodyArgs) {
    return new Messages.Text(format(key + ".subject", subjectArgs), format(key + ".body", bodyArgs));
  }
}
