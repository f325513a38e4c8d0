package com.plenary.privacy.domain.messages;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.domain.TemplateRecords.Template;
import com.plenary.privacy.domain.Use;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.policy.Action;
import com.plenary.privacy.policy.Field;
import com.plenary.privacy.policy.Service;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The message gateway's templates (C16): named, versioned subjects and bodies with variables such as
 * {@code {{order}}} or {@code {{name}}}, defined by the privacy officer and named by a service instead
 * of a subject and body. A variable the caller gives is filled when the message is made; a variable
 * that names a person's field (a field of the policy, such as {@code name}) stays in the message's
 * sealed text and is filled from the vault when it is sent — only when the enforcer decides, then and
 * for that person, that the message's purpose may read it. A template whose field the purpose may
 * never read in a message is refused before anything is queued, naming the variable. Thread-safe.
 */
public final class Templates {
  /** A template's name: lower case letters, digits, dots, dashes. */
  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  /** A variable in a template's text. */
  static final Pattern VARIABLE = Pattern.compile("\\{\\{\\s*([A-Za-z_][A-Za-z0-9_]{0,63})\\s*}}");
  private static final int MAX_VALUE = 10_000;

  private final Storage storage;
  private final Enforcer enforcer;

  Templates(Storage storage, Enforcer enforcer) {
    this.storage = storage;
    this.enforcer = enforcer;
  }

  /** A template's newest version as a caller sees it, with the variables it needs and the fields it fills from the vault. */
  public record Described(Template template, List<String> variables, List<String> fields) {}

  /**
   * Adds the next version of the template {@code name} (the first for a new name): its kind and purpose
   * are checked as a message's are, and every {@code {{…}}} in its text must be a well-formed variable.
   * Recorded in the audit trail.
   */
  public Described define(Access by, String name, String kind, String purpose, String subject, String body) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidInputException("name", "a template's name is 1 to 64 lower-case letters, digits, dots and dashes, starting with a letter or digit");
    }
    Messages.check(enforcer, kind, purpose, subject, body, null);
    checkSyntax("subject", subject);
    checkSyntax("body", body);
    return storage.inTransaction(w -> {
      Template t = w.templates().add(name, Kind.of(kind).id(), purpose, subject, body, by.id(), enforcer.clock().instant());
      w.audit(AuditRecord.recorded(by, "define-template").purpose(purpose).rules(List.of("template:" + name + ":" + t.version())).clauses(List.of("C16"))
          .build());
      return describe(t);
    });
  }

  /** The newest version of every template. */
  public List<Described> list() {
    return storage.inTransaction(w -> w.templates().newest().stream().map(this::describe).toList());
  }

  /** The template {@code name} at {@code version} (null: the newest); {@link NotFound} when there is none. */
  public Described find(String name, Integer version) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidInputException("template", "a template's name is 1 to 64 lower-case letters, digits, dots and dashes");
    }
    return storage.inTransaction(w -> w.templates().find(name, version)).map(this::describe)
        .orElseThrow(() -> new NotFound(version == null ? "no template is named '" + name + "'" : "the template '" + name + "' has no version " + version));
  }

  /**
   * Makes the message {@code by} asks for from a template: the caller's {@code variables} filled in, a
   * person's fields left for the sender to fill. Refused with a 400 naming the variable: a variable the
   * template needs and the caller did not give, a value given for a variable the template does not have
   * or for a person's field, and a field the sending service does not declare (C2) or that the
   * template's purpose may not read in a message (decided by the enforcer for this service).
   */
  public Messages.Request compose(Access by, String subjectId, String name, Integer version, Map<String, String> variables, String idempotencyKey) {
    Template t = find(name, version).template();
    Map<String, String> given = variables == null ? Map.of() : variables;
    Set<String> used = new LinkedHashSet<>();
    Set<String> fields = new LinkedHashSet<>();
    for (String text : List.of(t.subject(), t.body())) {
      Matcher m = VARIABLE.matcher(text);
      while (m.find()) {
        used.add(m.group(1));
      }
    }
    for (String v : used) {
      Field field = enforcer.policy().field(v);
      if (field != null) {
        if (given.containsKey(v)) {
          throw new InvalidInputException("variables." + v, "{{" + v + "}} is the person's own field " + v + ": it is filled from their record when the "
              + "message is sent, so give no value for it");
        }
        fields.add(v);
      } else if (!given.containsKey(v)) {
        throw new InvalidInputException("variables." + v, "the template '" + t.name() + "' needs a value for {{" + v + "}}");
      }
    }
    for (Map.Entry<String, String> e : given.entrySet()) {
      if (!used.contains(e.getKey())) {
        throw new InvalidInputException("variables." + e.getKey(), "the template '" + t.name() + "' has no variable {{" + e.getKey() + "}}");
      }
      String value = e.getValue();
      if (value == null || value.length() > MAX_VALUE || value.contains("{{") || value.contains("}}")) {
        throw new InvalidInputException("variables." + e.getKey(), "a variable's value is a text of at most " + MAX_VALUE + " characters without {{ or }}");
      }
    }
    checkFields(by, t, fields);
    String subject = fill(t.subject(), given);
    String body = fill(t.body(), given);
    return new Messages.Request(subjectId, t.kind(), t.purpose(), subject, body, idempotencyKey, List.copyOf(fields));
  }

  /** Refuses, naming the variable, a field the service does not declare or that the purpose may never read in a message. */
  private void checkFields(Access by, Template t, Set<String> fields) {
    if (fields.isEmpty()) {
      return;
    }
    Service service = enforcer.policy().service(by.id());
    List<String> categories = new ArrayList<>(List.of(Vocabulary.EMAIL));
    for (String f : fields) {
      if (service != null && !service.required().contains(f) && !service.optional().contains(f)) {
        throw new InvalidInputException("template", "the template's variable {{" + f + "}} names the field " + f + ", which the service " + by.id()
            + " does not declare; a service reads only the fields it declares");
      }
      categories.add(enforcer.policy().field(f).category());
    }
    Decision d = enforcer.decideUnidentified(by, Use.of("template", Action.MESSAGE, t.purpose(), null, List.copyOf(new LinkedHashSet<>(categories))));
    // a purpose that needs something of each person (an opt-in) permits nothing here; each person's own decision covers the fields then
    if (!d.permits() && d.permitted().contains(Vocabulary.EMAIL)) {
      for (String f : fields) {
        if (!d.permitted().contains(enforcer.policy().field(f).category())) {
          throw new InvalidInputException("template", "the template's variable {{" + f + "}} names the person's field " + f + ", which a message for the purpose "
              + t.purpose() + " may not read");
        }
      }
    }
  }

  private Described describe(Template t) {
    Set<String> variables = new LinkedHashSet<>();
    Set<String> fields = new LinkedHashSet<>();
    for (String text : List.of(t.subject(), t.body())) {
      Matcher m = VARIABLE.matcher(text);
      while (m.find()) {
        (enforcer.policy().field(m.group(1)) != null ? fields : variables).add(m.group(1));
      }
    }
    return new Described(t, List.copyOf(variables), List.copyOf(fields));
  }

  /** Refuses a {@code {{} or {@code }}} that is not part of a well-formed variable. */
  private static void checkSyntax(String field, String text) {
    String rest = VARIABLE.matcher(text).replaceAll("");
    if (rest.contains("{{") || rest.contains("}}")) {
      throw new InvalidInputException(field, "the " + field + " holds a {{ or }} that is not a variable; a variable is written {{name}}: letters, digits "
          + "and underscores, starting with a letter");
    }
  }

  private static String fill(String text, Map<String, String> given) {
    Matcher m = VARIABLE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = given.get(m.group(1));
      m.appendReplacement(out, Matcher.quoteReplacement(value != null ? value : "{{" + m.group(1) + "}}"));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The fields named in a queued message's text, which the sender fills from the vault. */
  static List<String> fieldsIn(String text) {
    Set<String> out = new LinkedHashSet<>();
    Matcher m = VARIABLE.matcher(text);
    while (m.find()) {
      out.add(m.group(1));
    }
    return List.copyOf(out);
  }

  /** Fills each {@code {{field}}} of a queued message's text with the person's value ({@code values}), with line breaks made spaces in a subject. */
  static String fillFields(String text, Map<String, String> values, boolean subject) {
    Matcher m = VARIABLE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = values.getOrDefault(m.group(1), "");
      if (subject) {
        value = value.replaceAll("[\\p{Cntrl}\\u2028\\u2029\\u0085]", " ");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}
