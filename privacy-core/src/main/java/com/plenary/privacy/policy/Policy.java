package com.plenary.privacy.policy;

import com.plenary.privacy.PlenaryException;
import com.plenary.privacy.policy.internal.PolicyReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A checked, immutable privacy policy: everything the platform enforces, read from a policy file.
 * Build one with {@link #load(Path)} or {@link #parse(String, String)}; both throw {@link
 * PolicyException} listing every problem with its line and column, so a policy with a mistake never
 * reaches a running server.
 */
public record Policy(
    String name,
    int version,
    LocalDate effective,
    String text,
    List<Purpose> purposes,
    List<Category> categories,
    List<Field> fields,
    List<Service> services,
    List<CookieClass> cookieClasses,
    List<Cookie> cookies,
    Collection collection,
    List<Labelled> partners,
    List<RecipientKind> recipientKinds,
    List<String> agreementTerms,
    List<Recipient> recipients,
    List<Labelled> legalGrounds,
    int aggregateK,
    List<String> staffTypes,
    List<StaffRole> staffRoles,
    List<Retention> retention,
    List<String> regions,
    List<DataCentre> dataCentres,
    List<Prohibition> prohibitions,
    List<Rule> rules,
    Map<String, List<String>> clauseMap) {

  /** What the collector records (C7) and how it minimises IP addresses. */
  public record Collection(List<String> categories, int ipv4ZeroBits, int ipv6ZeroBits) {
    public Collection {
      categories = List.copyOf(categories);
    }
  }

  public Policy {
    purposes = List.copyOf(purposes);
    categories = List.copyOf(categories);
    fields = List.copyOf(fields);
    services = List.copyOf(services);
    cookieClasses = List.copyOf(cookieClasses);
    cookies = List.copyOf(cookies);
    partners = List.copyOf(partners);
    recipientKinds = List.copyOf(recipientKinds);
    agreementTerms = List.copyOf(agreementTerms);
    recipients = List.copyOf(recipients);
    legalGrounds = List.copyOf(legalGrounds);
    staffTypes = List.copyOf(staffTypes);
    staffRoles = List.copyOf(staffRoles);
    retention = List.copyOf(retention);
    regions = List.copyOf(regions);
    dataCentres = List.copyOf(dataCentres);
    prohibitions = List.copyOf(prohibitions);
    rules = List.copyOf(rules);
    TreeMap<String, List<String>> copy = new TreeMap<>(Policy::compareClauses);
    clauseMap.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    clauseMap = Collections.unmodifiableSortedMap(copy);
  }

  /** Reads and checks the policy file at {@code file}. */
  public static Policy load(Path file) {
    String source;
    try {
      source = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new PlenaryException("cannot read the policy file " + file + ": " + e.getMessage(), e);
    }
    return parse(source, file.toString());
  }

  /** Plenary's own policy, as shipped inside the platform ({@code policies/plenary.yaml}). */
  public static Policy bundled() {
    try (var in = Policy.class.getResourceAsStream("plenary.yaml")) {
      if (in == null) {
        throw new PlenaryException("the bundled policy plenary.yaml is missing from the class path");
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "plenary.yaml");
    } catch (IOException e) {
      throw new PlenaryException("cannot read the bundled policy: " + e.getMessage(), e);
    }
  }

  /** Reads and checks a policy given as YAML text; {@code sourceName} names it in problems. */
  public static Policy parse(String yaml, String sourceName) {
    return PolicyReader.read(yaml, sourceName);
  }

  /**
   * This policy as a published version (C36): in force from {@code effective}, and with each purpose and
   * recipient marked as introduced ({@code since}) no earlier than the version given in {@code
   * purposeSince} and {@code recipientSince} — what the versions published before it say, whatever the
   * file states — so that people who accepted an older version must consent afresh to what is new.
   */
  public Policy asPublished(LocalDate effective, Map<String, Integer> purposeSince, Map<String, Integer> recipientSince) {
    List<Purpose> ps = purposes.stream()
        .map(p -> new Purpose(p.id(), p.text(), p.listed(), Math.max(p.since(), purposeSince.getOrDefault(p.id(), 0)), p.clauses())).toList();
    List<Recipient> rs = recipients.stream()
        .map(r -> new Recipient(r.id(), r.kind(), r.text(), Math.max(r.since(), recipientSince.getOrDefault(r.id(), 0)))).toList();
    return new Policy(name, version, effective, text, ps, categories, fields, services, cookieClasses, cookies, collection, partners, recipientKinds,
        agreementTerms, rs, legalGrounds, aggregateK, staffTypes, staffRoles, retention, regions, dataCentres, prohibitions, rules, clauseMap);
  }

  public Purpose purpose(String id) {
    return find(purposes, Purpose::id, id);
  }

  public Service service(String id) {
    return find(services, Service::id, id);
  }

  public Field field(String name) {
    return find(fields, Field::name, name);
  }

  public Recipient recipient(String id) {
    return find(recipients, Recipient::id, id);
  }

  public StaffRole staffRole(String id) {
    return find(staffRoles, StaffRole::id, id);
  }

  public DataCentre dataCentre(String id) {
    return find(dataCentres, DataCentre::id, id);
  }

  /** True when {@code id} is {@code ancestor} or lies under it in its dotted tree. */
  public static boolean isUnder(String id, String ancestor) {
    return id.equals(ancestor) || (id.startsWith(ancestor) && id.charAt(ancestor.length()) == '.');
  }

  /** Every clause id named anywhere in the policy, in clause order. */
  public SortedSet<String> clauses() {
    TreeSet<String> all = new TreeSet<>(Policy::compareClauses);
    all.addAll(clauseMap.keySet());
    return all;
  }

  /** Orders C2 before C10. */
  public static int compareClauses(String a, String b) {
    int na = clauseNumber(a);
    int nb = clauseNumber(b);
    return na != nb ? Integer.compare(na, nb) : a.compareTo(b);
  }

  private static int clauseNumber(String c) {
    try {
      return Integer.parseInt(c.substring(1));
    } catch (RuntimeException e) {
      return Integer.MAX_VALUE;
    }
  }

  /** The item whose id is {@code id}, or null. The lists are small: a scan builds nothing per call. */
  private static <T> T find(List<T> items, Function<T, String> idOf, String id) {
    for (T item : items) {
      if (idOf.apply(item).equals(id)) {
        return item;
      }
    }
    return null;
  }

}
