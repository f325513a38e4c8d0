package com.plenary.privacy.server.internal;

import com.plenary.privacy.domain.versions.PromptWords;
import io.javalin.http.Context;
import java.text.MessageFormat;
import java.util.List;
import java.util.Locale;
import java.util.MissingResourceException;
import java.util.ResourceBundle;

/**
 * The words of the pages in one language: the message bundle {@code i18n/pages} (English, the
 * default) or one of its translations ({@code pages_de}), chosen by the browser's
 * {@code Accept-Language}. Templates take a {@code Texts} and ask it for every sentence they show, so
 * a page is never half in one language. Names and texts that come from the policy (purposes, services,
 * cookie classes, fields) are the policy's English unless the translation has them under
 * {@code policy.<kind>.<id>}. Immutable and thread-safe.
 */
public final class Texts implements PromptWords {
  /** The languages there is a translation for; the first is the default. */
  public static final List<Locale> LANGUAGES = List.of(Locale.ENGLISH, Locale.GERMAN);

  private static final ResourceBundle.Control NO_FALLBACK = ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES);

  private final Locale locale;
  private final ResourceBundle bundle;

  private Texts(Locale locale) {
    this.locale = locale;
    this.bundle = ResourceBundle.getBundle("i18n.pages", locale, Texts.class.getClassLoader(), NO_FALLBACK);
  }

  private static final Texts ENGLISH = new Texts(Locale.ENGLISH);
  private static final Texts GERMAN = new Texts(Locale.GERMAN);

  /** The texts in {@code locale}'s language where there is a translation, English otherwise. */
  public static Texts of(Locale locale) {
    return locale != null && locale.getLanguage().equals("de") ? GERMAN : ENGLISH;
  }

  /** The texts in the language the request's {@code Accept-Language} prefers among those translated; English when none or when the header is malformed. */
  public static Texts of(Context ctx) {
    return of(ctx.header("Accept-Language"));
  }

  static Texts of(String acceptLanguage) {
    if (acceptLanguage == null || acceptLanguage.isBlank() || acceptLanguage.length() > 500) {
      return ENGLISH;
    }
    try {
      return of(Locale.lookup(Locale.LanguageRange.parse(acceptLanguage), LANGUAGES));
    } catch (IllegalArgumentException e) {
      return ENGLISH;
    }
  }

  /** The language's tag for {@code <html lang>}. */
  public String lang() {
    return locale.getLanguage();
  }

  public Locale locale() {
    return locale;
  }

  /** The sentence under {@code key}; a missing key is a bug, reported by its name. */
  public String get(String key) {
    try {
      return bundle.getString(key);
    } catch (MissingResourceException e) {
      throw new IllegalStateException("no text '" + key + "' in " + bundle.getBaseBundleName() + " for " + locale, e);
    }
  }

  /** The sentence under {@code key} with {@code args} put in its {@code {0}}, {@code {1}}, … */
  public String format(String key, Object... args) {
    return new MessageFormat(get(key), locale).format(args);
  }

  @Override
  public String sentence(String key, Object... args) {
    return format(key, args);
  }

  /** Whether there is a sentence under {@code key}. */
  public boolean has(String key) {
    return bundle.containsKey(key);
  }

  /** A text of the policy ({@code kind}: purpose, service, field, cookie, cookie-class, recipient, category): the translation's when it has one, else the policy's own. */
  @Override
  public String policy(String kind, String id, String text) {
    String key = "policy." + kind + "." + id;
    return bundle.containsKey(key) ? bundle.getString(key) : text;
  }
}
