package com.plenary.privacy.policy.internal;

import com.plenary.privacy.policy.Action;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.policy.Category;
import com.plenary.privacy.policy.Condition;
import com.plenary.privacy.policy.Cookie;
import com.plenary.privacy.policy.CookieClass;
import com.plenary.privacy.policy.DataCentre;
import com.plenary.privacy.policy.Field;
import com.plenary.privacy.policy.Labelled;
import com.plenary.privacy.policy.Obligation;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.PolicyException;
import com.plenary.privacy.policy.Problem;
import com.plenary.privacy.policy.Prohibition;
import com.plenary.privacy.policy.Purpose;
import com.plenary.privacy.policy.Recipient;
import com.plenary.privacy.policy.RecipientKind;
import com.plenary.privacy.policy.Requirement;
import com.plenary.privacy.policy.Retention;
import com.plenary.privacy.policy.Rule;
import com.plenary.privacy.policy.Service;
import com.plenary.privacy.policy.StaffRole;
import com.plenary.privacy.policy.internal.Yaml.Obj;
import com.plenary.privacy.policy.internal.Yaml.Ref;
import java.io.StringReader;
import java.time.Duration;
import java.time.LocalDate;
import java.time.Period;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Reads a policy file into a {@link Policy}, reporting every problem with its position: syntax,
 * unknown keys, references to purposes, categories, fields or recipients that are not declared,
 * contradictions, and permissions that try to lift a prohibition.
 */
public final class PolicyReader {
  private static final Pattern ID = Pattern.compile("[a-z][a-z0-9_-]*(\\.[a-z0-9][a-z0-9_-]*)*");
  private static final Pattern CLAUSE = Pattern.compile("C[1-9][0-9]*");
  private static final Set<String> FIELD_TYPES = keys("text", "email", "phone", "date", "country");

  private final List<Problem> problems = new ArrayList<>();
  private final Yaml y;
  private final Map<String, List<String>> clauseMap = new LinkedHashMap<>();
  private final Set<String> ids = new HashSet<>();

  private final Map<String, Purpose> purposes = new LinkedHashMap<>();
  private final Map<String, Category> categories = new LinkedHashMap<>();
  private final Map<String, Field> fields = new LinkedHashMap<>();
  private final Map<String, Labelled> partners = new LinkedHashMap<>();
  private final Map<String, RecipientKind> recipientKinds = new LinkedHashMap<>();
  private final Map<String, Recipient> recipients = new LinkedHashMap<>();
  private final Set<String> regions = new LinkedHashSet<>();

  private PolicyReader(String source) {
    this.y = new Yaml(source, problems);
  }

  public static Policy read(String text, String source) {
    return new PolicyReader(source).read(text);
  }

  private Policy read(String text) {
    Node root;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(true); // reported by our reader with a position
      options.setMaxAliasesForCollections(10);
      root = new org.yaml.snakeyaml.Yaml(new SafeConstructor(options)).compose(new StringReader(text)); // qualified: SnakeYAML's Yaml beside our reader's own
    } catch (MarkedYAMLException e) {
      var mark = e.getProblemMark();
      problems.add(new Problem(sourceName(), mark.getLine() + 1, mark.getColumn() + 1, "not valid YAML: " + e.getProblem()));
      throw new PolicyException(problems);
    } catch (YAMLException e) {
      problems.add(new Problem(sourceName(), 1, 1, "not valid YAML: " + e.getMessage()));
      throw new PolicyException(problems);
    }
    if (root == null) {
      problems.add(new Problem(sourceName(), 1, 1, "the policy file is empty"));
      throw new PolicyException(problems);
    }
    Obj top = y.obj(root, "the policy", keys(
        "policy", "version", "effective", "text", "purposes", "categories", "fields", "services",
        "cookie_classes", "cookies", "collection", "partners", "recipient_kinds", "agreement_terms",
        "recipients", "legal_grounds", "aggregates", "staff", "retention", "regions", "data_centres",
        "prohibitions", "rules"));
    String name = top.text("policy", "the policy");
    if (!name.isEmpty() && !ID.matcher(name).matches()) {
      y.problem(top.get("policy"), "the policy name must be lower-case letters, digits and dashes");
    }
    int version = top.integer("version", 0, 1, 1_000_000);
    if (!top.has("version")) {
      y.problem(top.node, "the policy needs 'version', a whole number from 1 up");
    }
    LocalDate effective = date(top, "effective");
    String textRef = top.optText("text", "");

    readPurposes(top, version);
    readCategories(top);
    readFields(top);
    readPartners(top);
    List<String> agreementTerms = Yaml.values(top.refs("agreement_terms"));
    readRecipientKinds(top);
    readRecipients(top, version);
    for (Ref r : top.refs("regions")) {
      if (!regions.add(r.value())) {
        y.problem(r.node(), "the region '" + r.value() + "' is declared twice");
      }
    }
    List<Service> services = readServices(top);
    List<CookieClass> cookieClasses = readCookieClasses(top);
    List<Cookie> cookies = readCookies(top, cookieClasses);
    Policy.Collection collection = readCollection(top);
    List<Labelled> legalGrounds = readLabelled(top, "legal_grounds", "legal ground", "legal");
    int k = readAggregates(top);
    List<String> staffTypes = new ArrayList<>();
    List<StaffRole> roles = readStaff(top, staffTypes);
    List<Retention> retention = readRetention(top);
    List<DataCentre> centres = readDataCentres(top);
    List<Prohibition> prohibitions = new ArrayList<>();
    Map<Prohibition, Node> prohibitionNodes = new HashMap<>();
    readProhibitions(top, prohibitions, prohibitionNodes);
    List<Rule> rules = readRules(top, prohibitions);

    if (!problems.isEmpty()) {
      throw new PolicyException(problems);
    }
    return new Policy(name, version, effective, textRef, List.copyOf(purposes.values()),
        List.copyOf(categories.values()), List.copyOf(fields.values()), services, cookieClasses,
        cookies, collection, List.copyOf(partners.values()), List.copyOf(recipientKinds.values()),
        agreementTerms, List.copyOf(recipients.values()), legalGrounds, k, staffTypes, roles,
        retention, List.copyOf(regions), centres, prohibitions, rules, clauseMap);
  }

  private String sourceName() {
    return y.source();
  }

  // ---- sections ----

  private void readPurposes(Obj top, int version) {
    for (Node n : y.seq(top.get("purposes"), "'purposes'")) {
      Obj o = y.obj(n, "a purpose", keys("id", "text", "listed", "since", "clauses"));
      Ref id = declareId(o, "a purpose", purposes.keySet());
      int since = o.integer("since", 1, 1, 1_000_000);
      if (since > version && version > 0) {
        y.problem(o.get("since"), "purpose '" + id.value() + "' is introduced in version " + since + ", after this policy's version " + version);
      }
      Purpose p = new Purpose(id.value(), o.text("text", "purpose '" + id.value() + "'"), o.bool("listed", true), since, clauses(o, "purpose:" + id.value()));
      if (!id.value().isEmpty()) {
        purposes.put(id.value(), p);
      }
    }
    if (!top.has("purposes")) {
      y.problem(top.node, "the policy needs 'purposes': a policy with no purposes permits nothing");
    }
    checkParents(top.get("purposes"), purposes.keySet(), "purpose");
  }

  private void readCategories(Obj top) {
    for (Node n : y.seq(top.get("categories"), "'categories'")) {
      Obj o = y.obj(n, "a data category", keys("id", "text", "clauses"));
      Ref id = declareId(o, "a data category", categories.keySet());
      clauses(o, "category:" + id.value());
      if (!id.value().isEmpty()) {
        categories.put(id.value(), new Category(id.value(), o.text("text", "category '" + id.value() + "'")));
      }
    }
    checkParents(top.get("categories"), categories.keySet(), "category");
  }

  private void readFields(Obj top) {
    for (Node n : y.seq(top.get("fields"), "'fields'")) {
      Obj o = y.obj(n, "a field", keys("name", "category", "type", "max"));
      Ref name = o.ref("name", "a field");
      if (!name.value().isEmpty() && fields.containsKey(name.value())) {
        y.problem(name.node(), "the field '" + name.value() + "' is declared twice");
      }
      Ref category = o.ref("category", "field '" + name.value() + "'");
      category(category);
      Ref type = o.ref("type", "field '" + name.value() + "'");
      if (!type.value().isEmpty() && !FIELD_TYPES.contains(type.value())) {
        y.problem(type.node(), "unknown field type '" + type.value() + "'; allowed: " + String.join(", ", FIELD_TYPES));
      }
      int max = o.integer("max", 0, 1, 1_000_000);
      if (!o.has("max")) {
        y.problem(o.node, "field '" + name.value() + "' needs 'max', its longest length");
      }
      fields.put(name.value(), new Field(name.value(), category.value(), type.value(), max));
    }
  }

  private void readPartners(Obj top) {
    for (Labelled l : readLabelled(top, "partners", "partner", "partner")) {
      partners.put(l.id(), l);
    }
  }

  private List<Labelled> readLabelled(Obj top, String key, String what, String kind) {
    List<Labelled> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Node n : y.seq(top.get(key), "'" + key + "'")) {
      Obj o = y.obj(n, "a " + what, keys("id", "text", "clauses"));
      Ref id = declareId(o, "a " + what, seen);
      seen.add(id.value());
      clauses(o, kind + ":" + id.value());
      out.add(new Labelled(id.value(), o.text("text", what + " '" + id.value() + "'")));
    }
    return out;
  }

  private void readRecipientKinds(Obj top) {
    for (Node n : y.seq(top.get("recipient_kinds"), "'recipient_kinds'")) {
      Obj o = y.obj(n, "a recipient kind", keys("id", "processor", "text"));
      Ref id = declareId(o, "a recipient kind", recipientKinds.keySet());
      recipientKinds.put(id.value(), new RecipientKind(id.value(), o.bool("processor", false), o.text("text", "recipient kind '" + id.value() + "'")));
    }
  }

  private void readRecipients(Obj top, int version) {
    for (Node n : y.seq(top.get("recipients"), "'recipients'")) {
      Obj o = y.obj(n, "a recipient", keys("id", "kind", "text", "since", "clauses"));
      Ref id = declareId(o, "a recipient", recipients.keySet());
      Ref kind = o.ref("kind", "recipient '" + id.value() + "'");
      if (!kind.value().isEmpty() && !recipientKinds.containsKey(kind.value())) {
        y.problem(kind.node(), "unknown recipient kind '" + kind.value() + "'; declare it under recipient_kinds" + known(recipientKinds.keySet()));
      }
      int since = o.integer("since", 1, 1, 1_000_000);
      if (since > version && version > 0) {
        y.problem(o.get("since"), "recipient '" + id.value() + "' is introduced in version " + since + ", after this policy's version " + version);
      }
      clauses(o, "recipient:" + id.value());
      recipients.put(id.value(), new Recipient(id.value(), kind.value(), o.text("text", "recipient '" + id.value() + "'"), since));
    }
  }

  private List<Service> readServices(Obj top) {
    List<Service> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Node n : y.seq(top.get("services"), "'services'")) {
      Obj o = y.obj(n, "a service", keys("id", "text", "purposes", "required", "optional", "categories", "terms", "clauses"));
      Ref id = declareId(o, "a service", seen);
      seen.add(id.value());
      String what = "service '" + id.value() + "'";
      List<Ref> ps = o.refs("purposes");
      for (Ref p : ps) {
        listedPurpose(p);
      }
      List<Ref> cats = o.refs("categories");
      for (Ref c : cats) {
        category(c);
      }
      List<Ref> required = o.refs("required");
      List<Ref> optional = o.refs("optional");
      Set<String> requiredNames = new HashSet<>(Yaml.values(required));
      for (Ref f : optional) {
        if (requiredNames.contains(f.value())) {
          y.problem(f.node(), "the field '" + f.value() + "' of " + what + " cannot be both required and optional");
        }
      }
      List<Ref> allFields = new ArrayList<>(required);
      allFields.addAll(optional);
      for (Ref f : allFields) {
        Field field = fields.get(f.value());
        if (field == null) {
          y.problem(f.node(), "unknown field '" + f.value() + "' in " + what + "; declare it under fields" + known(fields.keySet()));
        } else if (cats.stream().noneMatch(c -> Policy.isUnder(field.category(), c.value()))) {
          y.problem(f.node(), "the field '" + f.value() + "' (" + field.category() + ") is outside the categories " + what + " declares");
        }
      }
      Service.Terms terms = Service.Terms.NONE;
      if (o.has("terms")) {
        Obj t = y.obj(o.get("terms"), "the terms of " + what, keys("document", "purposes", "sharing"));
        List<Ref> tp = t.refs("purposes");
        tp.forEach(this::listedPurpose);
        List<Ref> sharing = t.refs("sharing");
        for (Ref r : sharing) {
          if (!recipients.containsKey(r.value())) {
            y.problem(r.node(), "unknown recipient '" + r.value() + "' in the terms of " + what + known(recipients.keySet()));
          }
        }
        terms = new Service.Terms(t.text("document", "the terms of " + what), Yaml.values(tp), Yaml.values(sharing));
      }
      out.add(new Service(id.value(), o.text("text", what), Yaml.values(ps), Yaml.values(required),
          Yaml.values(optional), Yaml.values(cats), terms, clauses(o, "service:" + id.value())));
    }
    return out;
  }

  private List<CookieClass> readCookieClasses(Obj top) {
    List<CookieClass> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Node n : y.seq(top.get("cookie_classes"), "'cookie_classes'")) {
      Obj o = y.obj(n, "a cookie class", keys("id", "purpose", "required", "text", "clauses"));
      Ref id = declareId(o, "a cookie class", seen);
      seen.add(id.value());
      Ref purpose = o.ref("purpose", "cookie class '" + id.value() + "'");
      listedPurpose(purpose);
      out.add(new CookieClass(id.value(), purpose.value(), o.bool("required", false), o.text("text", "cookie class '" + id.value() + "'"), clauses(o, "cookie-class:" + id.value())));
    }
    return out;
  }

  private List<Cookie> readCookies(Obj top, List<CookieClass> classes) {
    List<Cookie> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    Map<String, CookieClass> byId = new HashMap<>();
    classes.forEach(c -> byId.put(c.id(), c));
    for (Node n : y.seq(top.get("cookies"), "'cookies'")) {
      Obj o = y.obj(n, "a cookie", keys("name", "class", "owner", "lifetime", "category", "text", "clauses"));
      Ref name = o.ref("name", "a cookie");
      if (!seen.add(name.value())) {
        y.problem(name.node(), "the cookie '" + name.value() + "' is declared twice");
      }
      String what = "cookie '" + name.value() + "'";
      Ref cls = o.ref("class", what);
      CookieClass cookieClass = byId.get(cls.value());
      if (!cls.value().isEmpty() && cookieClass == null) {
        y.problem(cls.node(), "unknown cookie class '" + cls.value() + "' for " + what + known(byId.keySet()));
      }
      Ref owner = o.ref("owner", what);
      boolean partnerOwned = !owner.value().equals("plenary");
      if (!owner.value().isEmpty() && partnerOwned && !partners.containsKey(owner.value())) {
        y.problem(owner.node(), "the owner of " + what + " must be 'plenary' or a declared partner" + known(partners.keySet()));
      }
      if (partnerOwned && cookieClass != null && cookieClass.required()) {
        y.problem(owner.node(), what + " is set by partner '" + owner.value() + "' but its class '" + cls.value() + "' cannot be refused; a partner's cookie must be refusable (C20)");
      }
      Ref lifetime = o.ref("lifetime", what);
      Duration life = Duration.ZERO;
      try {
        if (!lifetime.value().isEmpty()) {
          life = parseLifetime(lifetime.value());
        }
      } catch (DateTimeParseException e) {
        y.problem(lifetime.node(), "the lifetime of " + what + " must be an ISO-8601 duration such as P395D or PT12H");
      }
      Ref category = o.ref("category", what);
      category(category);
      out.add(new Cookie(name.value(), cls.value(), owner.value(), life, category.value(), o.text("text", what), clauses(o, "cookie:" + name.value())));
    }
    return out;
  }

  private static Duration parseLifetime(String text) {
    if (text.startsWith("P") && text.endsWith("D") && !text.contains("T")) {
      return Duration.ofDays(Long.parseLong(text.substring(1, text.length() - 1)));
    }
    return Duration.parse(text);
  }

  private Policy.Collection readCollection(Obj top) {
    if (!top.has("collection")) {
      return new Policy.Collection(List.of(), 8, 80);
    }
    Obj o = y.obj(top.get("collection"), "'collection'", keys("ip_minimisation", "categories", "clauses"));
    List<Ref> cats = o.refs("categories");
    cats.forEach(this::category);
    clauses(o, "collection:collector");
    int v4 = 8;
    int v6 = 80;
    if (o.has("ip_minimisation")) {
      Obj ip = y.obj(o.get("ip_minimisation"), "'ip_minimisation'", keys("ipv4_zero_bits", "ipv6_zero_bits"));
      v4 = ip.integer("ipv4_zero_bits", 8, 0, 32);
      v6 = ip.integer("ipv6_zero_bits", 80, 0, 128);
    }
    return new Policy.Collection(Yaml.values(cats), v4, v6);
  }

  private int readAggregates(Obj top) {
    if (!top.has("aggregates")) {
      y.problem(top.node, "the policy needs 'aggregates' with the threshold k (C27)");
      return 0;
    }
    Obj o = y.obj(top.get("aggregates"), "'aggregates'", keys("k", "clauses"));
    clauses(o, "aggregates:k");
    if (!o.has("k")) {
      y.problem(o.node, "'aggregates' needs 'k', the smallest group size that may be shown");
    }
    return o.integer("k", 0, 2, 1_000_000);
  }

  private List<StaffRole> readStaff(Obj top, List<String> types) {
    List<StaffRole> roles = new ArrayList<>();
    if (!top.has("staff")) {
      return roles;
    }
    Obj o = y.obj(top.get("staff"), "'staff'", keys("types", "roles"));
    types.addAll(Yaml.values(o.refs("types")));
    Set<String> seen = new HashSet<>();
    for (Node n : y.seq(o.get("roles"), "'roles'")) {
      Obj r = y.obj(n, "a staff role", keys("id", "text", "grantable", "clauses"));
      Ref id = declareId(r, "a staff role", seen);
      clauses(r, "role:" + id.value());
      seen.add(id.value());
      List<String> cats = List.of();
      List<String> ps = List.of();
      if (r.has("grantable")) {
        Obj g = y.obj(r.get("grantable"), "'grantable'", keys("categories", "purposes"));
        List<Ref> cr = g.refs("categories");
        cr.forEach(this::category);
        List<Ref> pr = g.refs("purposes");
        pr.forEach(this::listedPurpose);
        cats = Yaml.values(cr);
        ps = Yaml.values(pr);
      }
      roles.add(new StaffRole(id.value(), r.text("text", "role '" + id.value() + "'"), cats, ps));
    }
    return roles;
  }

  private List<Retention> readRetention(Obj top) {
    List<Retention> out = new ArrayList<>();
    Map<String, Period> seen = new HashMap<>();
    for (Node n : y.seq(top.get("retention"), "'retention'")) {
      Obj o = y.obj(n, "a retention rule", keys("category", "period", "clauses"));
      Ref category = o.ref("category", "a retention rule");
      category(category);
      Ref period = o.ref("period", "the retention of '" + category.value() + "'");
      Period p = Period.ZERO;
      try {
        if (!period.value().isEmpty()) {
          p = Period.parse(period.value());
        }
      } catch (DateTimeParseException e) {
        y.problem(period.node(), "the retention period must be an ISO-8601 period such as P2Y or P13M");
      }
      Period earlier = seen.put(category.value(), p);
      if (earlier != null) {
        y.problem(category.node(), "the retention of '" + category.value() + "' contradicts an earlier one (" + earlier + " and " + p + "); keep one");
      }
      clauses(o, "retention:" + category.value());
      out.add(new Retention(category.value(), p));
    }
    return out;
  }

  private List<DataCentre> readDataCentres(Obj top) {
    List<DataCentre> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Node n : y.seq(top.get("data_centres"), "'data_centres'")) {
      Obj o = y.obj(n, "a data centre", keys("id", "operator", "region", "location", "attestation", "clauses"));
      Ref id = declareId(o, "a data centre", seen);
      seen.add(id.value());
      String what = "data centre '" + id.value() + "'";
      Ref region = o.ref("region", what);
      if (!region.value().isEmpty() && !regions.contains(region.value())) {
        y.problem(region.node(), "unknown region '" + region.value() + "' for " + what + "; declare it under regions" + known(regions));
      }
      if (!o.has("attestation")) {
        y.problem(o.node, what + " has no physical-security 'attestation'; no store may be placed there without one (C31)");
      }
      clauses(o, "data-centre:" + id.value());
      out.add(new DataCentre(id.value(), o.text("operator", what), region.value(), o.text("location", what), o.optText("attestation", "")));
    }
    return out;
  }

  private void readProhibitions(Obj top, List<Prohibition> out, Map<Prohibition, Node> nodes) {
    for (Node n : y.seq(top.get("prohibitions"), "'prohibitions'")) {
      Obj o = y.obj(n, "a prohibition", keys("id", "text", "actions", "purposes", "categories", "when", "clauses"));
      Ref id = declareId(o, "a prohibition", Set.of());
      List<Ref> actions = actions(o);
      List<Ref> ps = o.refs("purposes");
      ps.forEach(this::purpose);
      List<Ref> cs = o.refs("categories");
      cs.forEach(this::category);
      List<Ref> when = o.refs("when");
      for (Ref w : when) {
        if (Condition.of(w.value()) == null) {
          y.problem(w.node(), "unknown condition '" + w.value() + "'; allowed: " + String.join(", ", Arrays.stream(Condition.values()).map(Condition::id).toList()));
        }
      }
      List<String> cl = clauses(o, "prohibition:" + id.value());
      if (cl.isEmpty()) {
        y.problem(o.node, "prohibition '" + id.value() + "' names no clause it enforces");
      }
      Prohibition p = new Prohibition(id.value(), o.text("text", "prohibition '" + id.value() + "'"), Yaml.values(actions), Yaml.values(ps), Yaml.values(cs), Yaml.values(when), cl);
      out.add(p);
      nodes.put(p, n);
    }
  }

  private List<Rule> readRules(Obj top, List<Prohibition> prohibitions) {
    List<Rule> out = new ArrayList<>();
    for (Node n : y.seq(top.get("rules"), "'rules'")) {
      Obj o = y.obj(n, "a rule", keys("id", "text", "actors", "actions", "purposes", "categories", "requires", "obligations", "clauses"));
      Ref id = declareId(o, "a rule", Set.of());
      String what = "rule '" + id.value() + "'";
      List<Ref> actors = o.refs("actors");
      for (Ref a : actors) {
        if (ActorKind.of(a.value()) == null) {
          y.problem(a.node(), "unknown actor '" + a.value() + "' in " + what + "; allowed: " + String.join(", ", Arrays.stream(ActorKind.values()).map(ActorKind::id).toList()));
        }
      }
      if (actors.isEmpty()) {
        y.problem(o.node, what + " needs 'actors'");
      }
      List<Ref> actions = actions(o);
      if (actions.isEmpty()) {
        y.problem(o.node, what + " needs 'actions'");
      }
      List<Ref> ps = o.refs("purposes");
      for (Ref p : ps) {
        if (!p.value().equals(Rule.DECLARED)) {
          purpose(p);
        }
      }
      List<Ref> cs = o.refs("categories");
      for (Ref c : cs) {
        if (!c.value().equals(Rule.DECLARED)) {
          category(c);
        }
      }
      if (ps.isEmpty() || cs.isEmpty()) {
        y.problem(o.node, what + " needs 'purposes' and 'categories'; a rule that names none would permit everything");
      }
      for (Ref r : o.refs("requires")) {
        if (Requirement.of(r.value()) == null) {
          y.problem(r.node(), "unknown requirement '" + r.value() + "' in " + what + "; allowed: " + String.join(", ", Arrays.stream(Requirement.values()).map(Requirement::id).toList()));
        }
      }
      for (Ref r : o.refs("obligations")) {
        if (Obligation.of(r.value()) == null) {
          y.problem(r.node(), "unknown obligation '" + r.value() + "' in " + what + "; allowed: " + String.join(", ", Arrays.stream(Obligation.values()).map(Obligation::id).toList()));
        }
      }
      List<String> cl = clauses(o, "rule:" + id.value());
      if (cl.isEmpty()) {
        y.problem(o.node, what + " names no clause it enforces");
      }
      Rule rule = new Rule(id.value(), o.text("text", what), Yaml.values(actors), Yaml.values(actions),
          Yaml.values(ps), Yaml.values(cs), Yaml.values(o.refs("requires")), Yaml.values(o.refs("obligations")), cl);
      for (Prohibition p : prohibitions) {
        Ref lifted = liftedPurpose(rule, p, ps);
        if (lifted != null) {
          y.problem(lifted.node(), what + " tries to lift prohibition '" + p.id() + "' (" + String.join(", ", p.clauses())
              + "): it would permit '" + lifted.value() + "', which the prohibition forbids whatever the consent or agreement; remove it from the rule");
        }
      }
      out.add(rule);
    }
    return out;
  }

  /** The purpose of {@code rule} through which it would permit what {@code p} forbids outright, or null. */
  private static Ref liftedPurpose(Rule rule, Prohibition p, List<Ref> purposeRefs) {
    if (!p.when().isEmpty() || rule.actions().stream().noneMatch(a -> p.actions().isEmpty() || p.actions().contains(a))) {
      return null;
    }
    boolean categoriesOverlap = p.categories().isEmpty() || rule.categories().stream().anyMatch(rc ->
        !rc.equals(Rule.DECLARED) && p.categories().stream().anyMatch(pc -> Policy.isUnder(rc, pc) || Policy.isUnder(pc, rc)));
    if (!categoriesOverlap) {
      return null;
    }
    for (Ref rp : purposeRefs) {
      if (!rp.value().equals(Rule.DECLARED) && (p.purposes().isEmpty() || p.purposes().stream().anyMatch(pp -> Policy.isUnder(rp.value(), pp)))) {
        return rp;
      }
    }
    return null;
  }

  // ---- shared checks ----

  private List<Ref> actions(Obj o) {
    List<Ref> actions = o.refs("actions");
    for (Ref a : actions) {
      if (Action.of(a.value()) == null) {
        y.problem(a.node(), "unknown action '" + a.value() + "'; allowed: " + String.join(", ", Arrays.stream(Action.values()).map(Action::id).toList()));
      }
    }
    return actions;
  }

  private Ref declareId(Obj o, String what, Set<String> seenInSection) {
    Ref id = o.ref("id", what);
    if (id.value().isEmpty()) {
      return id;
    }
    if (!ID.matcher(id.value()).matches()) {
      y.problem(id.node(), "the id '" + id.value() + "' must be lower-case letters, digits, '-' and '_', with '.' between levels");
    }
    if (seenInSection.contains(id.value())) {
      y.problem(id.node(), "the id '" + id.value() + "' is declared twice");
    }
    return id;
  }

  private List<String> clauses(Obj o, String element) {
    List<Ref> refs = o.refs("clauses");
    List<String> out = new ArrayList<>();
    for (Ref c : refs) {
      if (!CLAUSE.matcher(c.value()).matches()) {
        y.problem(c.node(), "'" + c.value() + "' is not a clause id; clause ids look like C17");
        continue;
      }
      out.add(c.value());
      clauseMap.computeIfAbsent(c.value(), k -> new ArrayList<>()).add(element);
    }
    if (element.startsWith("rule:") || element.startsWith("prohibition:")) {
      if (!ids.add(element.substring(element.indexOf(':') + 1)) && !element.endsWith(":")) {
        y.problem(o.get("id") == null ? o.node : o.get("id"), "the id '" + element.substring(element.indexOf(':') + 1) + "' is used by another rule or prohibition; rule ids must be unique");
      }
    }
    return out;
  }

  private void purpose(Ref p) {
    if (!p.value().isEmpty() && !purposes.containsKey(p.value())) {
      y.problem(p.node(), "unknown purpose '" + p.value() + "'; declare it under purposes" + near(p.value(), purposes.keySet()));
    }
  }

  private void listedPurpose(Ref p) {
    purpose(p);
    Purpose declared = purposes.get(p.value());
    if (declared != null && !declared.listed()) {
      y.problem(p.node(), "'" + p.value() + "' is not one of the policy's purposes (listed: false); it may only be named by prohibitions");
    }
  }

  private void category(Ref c) {
    if (!c.value().isEmpty() && !categories.containsKey(c.value())) {
      y.problem(c.node(), "unknown data category '" + c.value() + "'; declare it under categories" + near(c.value(), categories.keySet()));
    }
  }

  private void checkParents(Node section, Set<String> declared, String what) {
    for (Node n : y.seq(section, what)) {
      if (n instanceof MappingNode m) {
        for (var t : m.getValue()) {
          if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("id")
              && t.getValueNode() instanceof ScalarNode v) {
            String id = v.getValue();
            int dot = id.lastIndexOf('.');
            if (dot > 0 && !declared.contains(id.substring(0, dot))) {
              y.problem(v, "the " + what + " '" + id + "' has no parent: declare '" + id.substring(0, dot) + "' first");
            }
          }
        }
      }
    }
  }

  private static String known(Set<String> names) {
    return names.isEmpty() ? "" : " (declared: " + String.join(", ", names) + ")";
  }

  private static String near(String wanted, Set<String> names) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String n : names) {
      int d = distance(wanted, n);
      if (d < bestDistance) {
        bestDistance = d;
        best = n;
      }
    }
    return best != null && bestDistance <= Math.max(2, wanted.length() / 4) ? " (did you mean '" + best + "'?)" : "";
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private LocalDate date(Obj o, String key) {
    if (!o.has(key)) {
      y.problem(o.node, "the policy needs '" + key + "', the date it takes effect");
      return null;
    }
    try {
      return LocalDate.parse(o.optText(key, ""));
    } catch (DateTimeParseException e) {
      y.problem(o.get(key), "'" + key + "' must be a date such as 2026-11-01");
      return null;
    }
  }

  private static Set<String> keys(String... keys) {
    return new LinkedHashSet<>(Arrays.asList(keys));
  }
}
