package com.plenary.privacy.bench;

import com.plenary.privacy.decision.DecisionEngine;
import com.plenary.privacy.decision.DecisionRequest;
import com.plenary.privacy.decision.Facts;
import com.plenary.privacy.policy.Action;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.policy.Category;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Purpose;
import com.plenary.privacy.policy.Service;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.casbin.jcasbin.main.CachedEnforcer;
import org.casbin.jcasbin.main.Enforcer;
import org.casbin.jcasbin.model.Model;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The rules of Plenary's policy that need no facts (services' declared uses, the collector, partner
 * events, the unconditional prohibitions), expressed in jCasbin with the purpose and category trees
 * as role hierarchies, against the same rules in our engine, on the same requests, in the same run.
 * Both engines agree on every request of the mix (checked at set-up).
 *
 * <p>Run: {@code java -jar privacy-benchmarks/target/benchmarks.jar CasbinComparisonBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CasbinComparisonBenchmark {
  static final String MODEL = String.join("\n",
      "[request_definition]", "r = sub, act, pur, cat",
      "[policy_definition]", "p = sub, act, pur, cat, eft",
      "[role_definition]", "g = _, _", "g2 = _, _", "g3 = _, _",
      "[policy_effect]", "e = some(where (p.eft == allow)) && !some(where (p.eft == deny))",
      "[matchers]", "m = g(r.sub, p.sub) && r.act == p.act && g2(r.pur, p.pur) && g3(r.cat, p.cat)");

  private DecisionEngine engine;
  private Enforcer casbin;
  private Enforcer casbinCached;
  private DecisionRequest[] requests;
  private String[][] casbinRequests;
  private int next;

  @Setup
  public void setUp() {
    Policy policy = Policy.bundled();
    engine = DecisionEngine.compile(policy);
    casbin = enforcer(policy, new Enforcer(model()));
    casbinCached = enforcer(policy, new CachedEnforcer(model()));
    List<DecisionRequest> rs = sameRulesMix();
    requests = rs.toArray(new DecisionRequest[0]);
    casbinRequests = new String[requests.length][];
    for (int i = 0; i < requests.length; i++) {
      DecisionRequest r = requests[i];
      casbinRequests[i] = new String[] {r.actorKind().id() + ":" + r.actorId(), r.action().id(), r.purpose(), r.categories().get(0)};
      boolean ours = engine.decide(r).permits();
      boolean theirs = casbin.enforce((Object[]) casbinRequests[i]);
      boolean cached = casbinCached.enforce((Object[]) casbinRequests[i]);
      if (ours != theirs || ours != cached) {
        throw new IllegalStateException("the engines disagree on " + String.join(" ", casbinRequests[i]) + ": ours " + ours + ", jCasbin " + theirs);
      }
    }
  }

  @Benchmark
  public boolean plenary() {
    DecisionRequest r = requests[next];
    next = (next + 1) % requests.length;
    return engine.decide(r).permits();
  }

  @Benchmark
  public boolean jcasbin() {
    String[] r = casbinRequests[next];
    next = (next + 1) % casbinRequests.length;
    return casbin.enforce((Object[]) r);
  }

  /** jCasbin's fastest mode: the cached enforcer answers a request it has seen from its cache. */
  @Benchmark
  public boolean jcasbinCached() {
    String[] r = casbinRequests[next];
    next = (next + 1) % casbinRequests.length;
    return casbinCached.enforce((Object[]) r);
  }

  static Model model() {
    Model model = new Model();
    model.loadModelFromText(MODEL);
    return model;
  }

  static Enforcer enforcer(Policy policy, Enforcer e) {
    e.enableAutoBuildRoleLinks(false);
    for (Purpose p : policy.purposes()) {
      int dot = p.id().lastIndexOf('.');
      if (dot > 0) {
        e.addNamedGroupingPolicy("g2", p.id(), p.id().substring(0, dot));
      }
    }
    for (Category c : policy.categories()) {
      int dot = c.id().lastIndexOf('.');
      if (dot > 0) {
        e.addNamedGroupingPolicy("g3", c.id(), c.id().substring(0, dot));
      }
    }
    // service-declared-use: each service, its declared purposes and categories
    for (Service s : policy.services()) {
      String sub = "service:" + s.id();
      e.addGroupingPolicy(sub, "service");
      List<String> purposes = new ArrayList<>(s.purposes());
      purposes.addAll(s.terms().purposes());
      for (String a : List.of("collect", "read", "use")) {
        for (String p : purposes) {
          for (String c : s.categories()) {
            e.addPolicy(sub, a, p, c, "allow");
          }
        }
      }
    }
    for (String b : List.of("browser:b-1", "browser:b-2")) {
      e.addGroupingPolicy(b, "browser");
    }
    e.addGroupingPolicy("partner:acme-ads", "partner");
    for (String actor : List.of("service", "browser")) {
      for (String p : List.of("technical", "convenience")) {
        for (String c : List.of("user.device", "user.behavior")) {
          e.addPolicy(actor, "collect", p, c, "allow");
        }
      }
    }
    for (String p : List.of("improve", "provide")) {
      for (String c : List.of("user.partner", "user.device", "user.behavior")) {
        e.addPolicy("partner", "collect", p, c, "allow");
      }
    }
    for (String actor : List.of("service", "browser", "partner")) {
      e.addPolicy(actor, "disclose", "sale", "user.contact", "deny");
      e.addPolicy(actor, "message", "bulk-unsolicited", "user", "deny");
    }
    e.buildRoleLinks();
    return e;
  }

  static List<DecisionRequest> sameRulesMix() {
    Facts none = new Facts(Instant.parse("2026-11-25T12:00:00Z"), List.of(), 1, Set.of(), null, List.of(), null, -1);
    Object[][] rows = {
        {ActorKind.SERVICE, "mail", Action.READ, "provide", "user.contact.email"},
        {ActorKind.SERVICE, "mail", Action.READ, "communicate.respond", "user.name"},
        {ActorKind.SERVICE, "shop", Action.USE, "improve", "user.behavior.browsing_history"},
        {ActorKind.SERVICE, "account", Action.COLLECT, "provide", "user.contact.email"},
        {ActorKind.SERVICE, "web", Action.READ, "technical", "user.device.ip_address"},
        {ActorKind.SERVICE, "web", Action.READ, "provide", "user.device"},
        {ActorKind.SERVICE, "shop", Action.DISCLOSE, "sale", "user.contact.email"},
        {ActorKind.SERVICE, "mail", Action.MESSAGE, "bulk-unsolicited", "user.contact.email"},
        {ActorKind.BROWSER, "b-1", Action.COLLECT, "technical", "user.behavior.browsing_history"},
        {ActorKind.BROWSER, "b-2", Action.COLLECT, "convenience", "user.device.cookie_id"},
        {ActorKind.BROWSER, "b-1", Action.COLLECT, "technical", "user.contact.email"},
        {ActorKind.PARTNER, "acme-ads", Action.COLLECT, "improve", "user.partner"},
        {ActorKind.PARTNER, "acme-ads", Action.COLLECT, "improve", "user.contact.phone_number"},
        {ActorKind.SERVICE, "account", Action.READ, "develop", "user.name"},
        {ActorKind.SERVICE, "shop", Action.READ, "protect", "user.contact.address"},
        {ActorKind.SERVICE, "mail", Action.USE, "terms", "user.content.private"},
    };
    List<DecisionRequest> out = new ArrayList<>();
    for (Object[] r : rows) {
      out.add(new DecisionRequest((ActorKind) r[0], (String) r[1], (Action) r[2], (String) r[3], "s-1", null, List.of((String) r[4]), none));
    }
    return out;
  }
}
