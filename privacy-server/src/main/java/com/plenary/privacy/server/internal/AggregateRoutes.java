package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.Outcome;
import com.plenary.privacy.domain.aggregates.Aggregates;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.Caller;
import io.javalin.http.Context;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Aggregate statistics (C27): a service, or staff who look after privacy or engineering, counts distinct
 * people or events by up to three dimensions over whole days; groups of fewer than the policy's k are
 * withheld (with complementary and differencing suppression), noise is added when an ε is given, and the
 * result may be given to a recipient, which the release records. The answer holds no identifier.
 */
public final class AggregateRoutes {
  /** The staff roles that may ask: the privacy officer (who gives results to recipients) and engineers (who improve the services). */
  static final Set<String> ROLES = Set.of("privacy-officer", "engineer");
  private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,2}(\\.[0-9]{1,6})?");
  private final Platform platform;
  private final JsonBodies bodies;

  public AggregateRoutes(Platform platform, JsonBodies bodies) {
    this.platform = platform;
    this.bodies = bodies;
  }

  /** A query: what to count, by which dimensions, over which days (inclusive), for what purpose, for whom, with what ε (a decimal text; none: exact counts). */
  record AggregateBody(
      @JsonBodies.Optional @JsonBodies.Max(6) @JsonBodies.Example("\"people\"") String count,
      @JsonBodies.MinItems(1) @JsonBodies.Max(3) @JsonBodies.Example("[\"country\",\"device_type\"]") List<String> dimensions,
      @JsonBodies.Format("date") @JsonBodies.Max(10) @JsonBodies.Example("\"2026-11-01\"") String from,
      @JsonBodies.Format("date") @JsonBodies.Max(10) @JsonBodies.Example("\"2026-11-30\"") String to,
      @JsonBodies.Max(100) @JsonBodies.Example("\"improve\"") String purpose,
      @JsonBodies.Optional @JsonBodies.Max(63) @JsonBodies.Example("\"carrier\"") String recipient,
      @JsonBodies.Optional @JsonBodies.Max(9) @JsonBodies.Example("\"0.5\"") String epsilon) {}

  /** One released group: the dimensions' values in the order asked, and its count. */
  record CellView(List<String> values, long count) {}

  /** The noise added: ε spent (decimal text), the bound on one person's contribution, the ε left this month, the mechanism. */
  record NoiseView(String epsilon, long sensitivity, @JsonProperty("epsilon_left") String epsilonLeft, String mechanism) {}

  /** A released table. {@code withheld}: how many groups were withheld; {@code total}: the sum of the released cells only. */
  record AggregateView(
      String id,
      String count,
      List<String> dimensions,
      LocalDate from,
      LocalDate to,
      @Schemas.Nullable String recipient,
      int k,
      List<CellView> cells,
      int withheld,
      long total,
      @Schemas.Nullable NoiseView noise) {}

  public List<Route> routes() {
    return List.of(new Route("post", "/api/v1/aggregates", "aggregates",
        "Count distinct people or events by one to three dimensions (country, age_band, language, device_type, browser, page, day) over whole days: "
            + "{dimensions, from, to, purpose, count?, recipient?, epsilon?}; groups smaller than k are withheld, with complementary suppression (C27)",
        EnumSet.of(Caller.Kind.SERVICE, Caller.Kind.STAFF), ROLES, List.of(200), AggregateBody.class, Route.json(200, AggregateView.class), this::count));
  }

  private void count(Context ctx) throws IOException {
    AggregateBody b = bodies.read(ctx, AggregateBody.class);
    Aggregates.Query q = new Aggregates.Query(b.count(), b.dimensions(), date(b.from(), "from"), date(b.to(), "to"), b.purpose(), b.recipient(), epsilon(b.epsilon()));
    Outcome<Aggregates.Result> out = platform.domain().aggregates().count(access(ctx), q);
    if (!out.permitted()) {
      throw VaultRoutes.denied(out.decision());
    }
    Aggregates.Result r = out.value();
    NoiseView noise = r.noise() == null ? null
        : new NoiseView(r.noise().epsilon().toPlainString(), r.noise().sensitivity(), r.noise().epsilonLeft().toPlainString(), r.noise().mechanism());
    ctx.json(new AggregateView(r.id(), r.count(), r.dimensions(), r.from(), r.to(), r.recipient(), r.k(),
        r.cells().stream().map(c -> new CellView(c.values(), c.count())).toList(), r.withheld(), r.total(), noise));
  }

  private Access access(Context ctx) {
    Caller c = ctx.attribute("caller");
    if (c.kind() == Caller.Kind.SERVICE) {
      return Access.service(c.name(), ctx.attribute("request-id"));
    }
    return Access.staff(platform.vault().staff().facts(c.id(), c.staffType()), ctx.attribute("request-id"));
  }

  private static BigDecimal epsilon(String s) {
    if (s == null) {
      return null;
    }
    if (!DECIMAL.matcher(s).matches()) {
      throw new InvalidInputException("epsilon", "epsilon is a decimal text such as \"0.5\": above 0, at most 10, with at most 6 decimals");
    }
    return new BigDecimal(s);
  }

  private static LocalDate date(String s, String name) {
    try {
      return LocalDate.parse(s);
    } catch (DateTimeParseException e) {
      throw new InvalidInputException(name, name + " must be a day such as 2026-12-01");
    }
  }
}
