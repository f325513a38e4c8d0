package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.RecipientRecords;
import com.plenary.privacy.domain.sharing.Recipients;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.Caller;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The registry of recipients and their agreements (C25): the privacy officer registers recipients of
 * the kinds the policy declares and records each agreement's versions; the privacy officer, auditors
 * and the legal team read them. An agreement is never edited: a change is posted as its next version.
 */
public final class RecipientRoutes {
  private static final Set<String> READERS = Set.of("privacy-officer", "auditor", "legal");
  private final Platform platform;
  private final JsonBodies bodies;

  public RecipientRoutes(Platform platform, JsonBodies bodies) {
    this.platform = platform;
    this.bodies = bodies;
  }

  /** A recipient to register: an id of its own, a kind the policy declares, its name, and a contact address for notices. */
  record RecipientBody(
      @JsonBodies.Max(63) @JsonBodies.Example("\"northwind-mail\"") String id,
      @JsonBodies.Max(64) @JsonBodies.Example("\"processor\"") String kind,
      @JsonBodies.Max(200) @JsonBodies.Example("\"Northwind Mail Ltd.\"") String name,
      @JsonBodies.Optional @JsonBodies.Max(320) @JsonBodies.Example("\"privacy@northwind.example\"") String contact) {}

  /** The terms of an agreement's next version. */
  record AgreementBody(
      @JsonBodies.MinItems(1) @JsonBodies.Max(50) @JsonBodies.Example("[\"user.contact.email\"]") List<String> categories,
      @JsonBodies.MinItems(1) @JsonBodies.Max(50) @JsonBodies.Example("[\"communicate\"]") List<String> purposes,
      @JsonBodies.Format("date") @JsonBodies.Max(10) @JsonBodies.Example("\"2026-01-01\"") String start,
      @JsonBodies.Format("date") @JsonBodies.Max(10) @JsonBodies.Example("\"2027-12-31\"") String end,
      @JsonProperty("our_signatory") @JsonBodies.Max(200) @JsonBodies.Example("\"A. Officer\"") String ourSignatory,
      @JsonProperty("their_signatory") @JsonBodies.Max(200) @JsonBodies.Example("\"B. Director\"") String theirSignatory,
      @JsonBodies.Max(2000) @JsonBodies.Example("\"Staff bound by confidentiality; no onward transfer\"") String confidentiality,
      @JsonBodies.Max(2000) @JsonBodies.Example("\"Encryption at rest and in transit; ISO 27001\"") String security,
      @JsonProperty("data_centres") @JsonBodies.MinItems(1) @JsonBodies.Max(20) @JsonBodies.Example("[\"fra-1\"]") List<String> dataCentres) {}

  // ---- the answers ----

  /** One version of an agreement, with whether it is in force today. */
  record AgreementView(
      String recipient,
      int version,
      List<String> categories,
      List<String> purposes,
      LocalDate start,
      LocalDate end,
      @JsonProperty("our_signatory") String ourSignatory,
      @JsonProperty("their_signatory") String theirSignatory,
      String confidentiality,
      String security,
      @JsonProperty("data_centres") List<String> dataCentres,
      @JsonProperty("recorded_at") Instant recordedAt,
      @JsonProperty("recorded_by") String recordedBy,
      @JsonProperty("in_force") boolean inForce) {
    static AgreementView of(RecipientRecords.Agreement a, LocalDate today, boolean newest) {
      return new AgreementView(a.recipientId(), a.version(), a.categories(), a.purposes(), a.start(), a.end(), a.ourSignatory(), a.theirSignatory(),
          a.confidentiality(), a.security(), a.dataCentres(), a.recordedAt(), a.recordedBy(), newest && a.covers(today));
    }
  }

  /** A recipient: where it comes from (the policy, or the registry), its kind, and its agreement as it now stands. */
  record RecipientView(
      String id,
      String kind,
      boolean processor,
      String name,
      @Schemas.Nullable String contact,
      String source,
      @JsonProperty("registered_at") @Schemas.Nullable Instant registeredAt,
      @JsonProperty("registered_by") @Schemas.Nullable String registeredBy,
      @Schemas.Nullable AgreementView agreement) {
    static RecipientView of(Recipients.View v, LocalDate today) {
      return new RecipientView(v.id(), v.kind(), v.processor(), v.name(), v.contact(), v.source(), v.registeredAt(), v.registeredBy(),
          v.agreement() == null ? null : AgreementView.of(v.agreement(), today, true));
    }
  }

  /** Every recipient, by id. */
  record RecipientList(List<RecipientView> recipients) {}

  /** Every version of a recipient's agreement, newest first. */
  record AgreementHistory(List<AgreementView> agreements) {}

  public List<Route> routes() {
    Set<Caller.Kind> staff = EnumSet.of(Caller.Kind.STAFF);
    Set<String> officer = Set.of("privacy-officer");
    return List.of(
        new Route("post", "/api/v1/recipients", "recipients", "Register a recipient of a kind the policy declares: {id, kind, name, contact?} (C25)",
            staff, officer, List.of(201), RecipientBody.class, Route.json(201, RecipientView.class), this::register),
        new Route("get", "/api/v1/recipients", "recipients", "Every recipient — named by the policy or registered — with its agreement as it now stands (C25)",
            staff, READERS, List.of(200), null, Route.json(200, RecipientList.class), this::list),
        new Route("get", "/api/v1/recipients/{id}", "recipients", "One recipient, with its agreement as it now stands (C25)",
            staff, READERS, List.of(200), null, Route.json(200, RecipientView.class), this::get),
        new Route("post", "/api/v1/recipients/{id}/agreements", "recipients",
            "Record the next version of a recipient's agreement: {categories, purposes, start, end, our_signatory, their_signatory, confidentiality, security, "
                + "data_centres}; versions are never edited (C25)",
            staff, officer, List.of(201), AgreementBody.class, Route.json(201, AgreementView.class), this::agreement),
        new Route("get", "/api/v1/recipients/{id}/agreements", "recipients", "Every version of a recipient's agreement, newest first (C25)",
            staff, READERS, List.of(200), null, Route.json(200, AgreementHistory.class), this::history));
  }

  private void register(Context ctx) throws IOException {
    RecipientBody b = bodies.read(ctx, RecipientBody.class);
    Recipients.View v = platform.domain().recipients().register(access(ctx), new Recipients.NewRecipient(b.id(), b.kind(), b.name(), b.contact()));
    ctx.status(201).json(RecipientView.of(v, today()));
  }

  private void list(Context ctx) {
    LocalDate today = today();
    ctx.json(new RecipientList(platform.domain().recipients().list().stream().map(v -> RecipientView.of(v, today)).toList()));
  }

  private void get(Context ctx) {
    ctx.json(RecipientView.of(platform.domain().recipients().get(ctx.pathParam("id")), today()));
  }

  private void agreement(Context ctx) throws IOException {
    AgreementBody b = bodies.read(ctx, AgreementBody.class);
    Recipients.Terms t = new Recipients.Terms(b.categories(), b.purposes(), date(b.start(), "start"), date(b.end(), "end"), b.ourSignatory(),
        b.theirSignatory(), b.confidentiality(), b.security(), b.dataCentres());
    RecipientRecords.Agreement a = platform.domain().recipients().recordAgreement(access(ctx), ctx.pathParam("id"), t);
    ctx.status(201).json(AgreementView.of(a, today(), true));
  }

  private void history(Context ctx) {
    LocalDate today = today();
    List<RecipientRecords.Agreement> versions = platform.domain().recipients().agreements(ctx.pathParam("id"));
    ctx.json(new AgreementHistory(versions.stream().map(a -> AgreementView.of(a, today, a == versions.get(0))).toList()));
  }

  private Access access(Context ctx) {
    Caller c = ctx.attribute("caller");
    return Access.staff(platform.vault().staff().facts(c.id(), c.staffType()), ctx.attribute("request-id"));
  }

  private LocalDate today() {
    return LocalDate.ofInstant(platform.clock().instant(), ZoneOffset.UTC);
  }

  private static LocalDate date(String s, String name) {
    try {
      return LocalDate.parse(s);
    } catch (DateTimeParseException e) {
      throw new InvalidInputException(name, name + " must be a day such as 2026-12-01");
    }
  }
}
