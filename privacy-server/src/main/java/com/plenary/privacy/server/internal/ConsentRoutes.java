package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.consent.ConsentRequests;
import com.plenary.privacy.domain.consent.Consents;
import com.plenary.privacy.domain.consent.Receipt;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.Caller;
import com.plenary.privacy.server.HttpProblem;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The consent ledger's and consent requests' endpoints (C19, C24): a service asks a person for consent,
 * the person sees and answers the requests, gets a receipt of a consent (ISO/IEC TS 27560, DPV), and
 * auditors check the ledger's chain. Every use goes through the domain, which decides and audits.
 */
public final class ConsentRoutes {
  private final Platform platform;
  private final JsonBodies bodies;

  public ConsentRoutes(Platform platform, JsonBodies bodies) {
    this.platform = platform;
    this.bodies = bodies;
  }

  // ---- the bodies ----

  /** A service's request for the person's consent to a use outside its declared purposes, with the reason the person is shown. */
  record ConsentRequestBody(
      @JsonBodies.Max(200) @JsonBodies.Example("\"develop\"") String purpose,
      @JsonBodies.Optional @JsonBodies.Max(200) String recipient,
      @JsonBodies.Max(ConsentRequests.MAX_REASON) @JsonBodies.Example("\"To test a new feature of the shop with people who agree.\"") String reason) {}

  /**
   * The person's answer to a consent request: {@code grant} with the SHA-256 of the text they were
   * shown ({@code text_sha256} of the request), or {@code decline}.
   */
  record ConsentAnswerBody(
      @JsonBodies.Max(16) @JsonBodies.Example("\"decline\"") String answer,
      @JsonProperty("shown_sha256") @JsonBodies.Optional @JsonBodies.Max(64) String shownSha256) {}

  // ---- the answers ----

  /** A consent request, with the exact text the person is shown and its SHA-256. */
  record ConsentRequest(
      String id,
      String service,
      String purpose,
      @Schemas.Nullable String recipient,
      String reason,
      String status,
      @JsonProperty("requested_at") Instant requestedAt,
      @JsonProperty("answered_at") @Schemas.Nullable Instant answeredAt,
      @JsonProperty("consent_id") @Schemas.Nullable String consentId,
      String text,
      @JsonProperty("text_sha256") String textSha256) {
    static ConsentRequest of(ConsentRequests.Shown s) {
      var r = s.request();
      return new ConsentRequest(r.id(), r.service(), r.purpose(), r.recipient(), r.reason(), r.status(), r.requestedAt(), r.answeredAt(), r.consentId(),
          s.text(), s.textSha256());
    }
  }

  /** The person's consent requests, newest first. */
  record ConsentRequestList(@JsonProperty("consent_requests") List<ConsentRequest> consentRequests) {}

  /** A consent's receipt: a record in the structure of ISO/IEC TS 27560, in W3C DPV terms. */
  record ConsentReceipt(
      @JsonProperty("schema_version") String schemaVersion,
      @JsonProperty("record_id") String recordId,
      @JsonProperty("pii_principal_id") String piiPrincipalId,
      @JsonProperty("pii_controller") String piiController,
      @JsonProperty("consent_status") String consentStatus,
      @JsonProperty("legal_basis") String legalBasis,
      @JsonProperty("consent_type") String consentType,
      ReceiptPurpose purpose,
      @Schemas.Nullable String recipient,
      ReceiptNotice notice,
      List<ReceiptEvent> events,
      @JsonProperty("issued_at") Instant issuedAt) {
    static ConsentReceipt of(Receipt r) {
      return new ConsentReceipt(r.schemaVersion(), r.recordId(), r.piiPrincipalId(), r.piiController(), r.consentStatus(), r.legalBasis(), r.consentType(),
          new ReceiptPurpose(r.purpose().id(), r.purpose().text(), r.purpose().dpv()), r.recipient(),
          new ReceiptNotice(r.notice().policyVersion(), r.notice().shownSha256()),
          r.events().stream().map(e -> new ReceiptEvent(e.type(), e.time(), e.by(), e.channel(), e.requestId(), e.ledgerSeq(), e.ledgerHash())).toList(),
          r.issuedAt());
    }
  }

  /** The purpose consented to: the policy's id and text, and its DPV purpose. */
  record ReceiptPurpose(String id, String text, String dpv) {}

  /** The notice the consent was given under. */
  record ReceiptNotice(@JsonProperty("policy_version") int policyVersion, @JsonProperty("shown_sha256") @Schemas.Nullable String shownSha256) {}

  /** An event of the consent (given, withdrawn) and its place in the ledger's chain. */
  record ReceiptEvent(
      String type,
      Instant time,
      String by,
      String channel,
      @JsonProperty("request_id") @Schemas.Nullable String requestId,
      @JsonProperty("ledger_seq") long ledgerSeq,
      @JsonProperty("ledger_hash") String ledgerHash) {}

  /** The consent ledger's chain checked end to end. */
  record LedgerCheck(
      boolean intact,
      long entries,
      long erased,
      @JsonProperty("first_broken_seq") long firstBrokenSeq,
      @Schemas.Nullable String head,
      String detail) {}

  public List<Route> routes() {
    Set<Caller.Kind> service = EnumSet.of(Caller.Kind.SERVICE);
    Set<Caller.Kind> person = EnumSet.of(Caller.Kind.SUBJECT);
    return List.of(
        new Route("post", "/api/v1/subjects/{id}/consent-requests", "consents",
            "Ask the person for consent to a use outside the service's declared purposes; they are told and answer in the privacy center (C19)", service,
            Set.of(), List.of(201), ConsentRequestBody.class, Route.json(201, ConsentRequest.class), this::ask),
        new Route("get", "/api/v1/me/consent-requests", "people", "The consent requests services made of me, with the text I am shown (C19)", person,
            Set.of(), List.of(200), null, Route.json(200, ConsentRequestList.class), this::myRequests),
        new Route("post", "/api/v1/me/consent-requests/{id}", "people",
            "Grant (with the SHA-256 of the text shown) or decline a consent request (C19); needs X-CSRF-Token", person, Set.of(), List.of(200),
            ConsentAnswerBody.class, Route.json(200, ConsentRequest.class), this::answer),
        new Route("get", "/api/v1/me/consents/{id}/receipt", "people", "The receipt of one of my consents: ISO/IEC TS 27560 with DPV terms (C19, C24)",
            person, Set.of(), List.of(200), null, Route.json(200, ConsentReceipt.class), this::receipt),
        new Route("get", "/api/v1/consents/verify", "audit", "Check the consent ledger's chain end to end (C19, C24, C29)", EnumSet.of(Caller.Kind.STAFF),
            Set.of("auditor", "privacy-officer"), List.of(200, 409), null, Route.json(200, LedgerCheck.class), this::verify));
  }

  private void ask(Context ctx) throws IOException {
    ConsentRequestBody body = bodies.read(ctx, ConsentRequestBody.class);
    var shown = platform.domain().consentRequests().ask(VaultRoutes.access(platform, ctx), ctx.pathParam("id"), body.purpose(), body.recipient(), body.reason());
    ctx.status(201).json(ConsentRequest.of(shown));
  }

  private void myRequests(Context ctx) {
    Caller caller = ctx.attribute("caller");
    ctx.json(new ConsentRequestList(platform.domain().consentRequests().of(VaultRoutes.access(platform, ctx), caller.id()).stream()
        .map(ConsentRequest::of).toList()));
  }

  private void answer(Context ctx) throws IOException {
    Caller caller = ctx.attribute("caller");
    ConsentAnswerBody body = bodies.read(ctx, ConsentAnswerBody.class);
    if (!body.answer().equals("grant") && !body.answer().equals("decline")) {
      throw new InvalidInputException("answer", "answer is grant or decline");
    }
    var shown = platform.domain().consentRequests().answer(VaultRoutes.access(platform, ctx), caller.id(), ctx.pathParam("id"), body.answer().equals("grant"),
        body.shownSha256(), Consents.PRIVACY_CENTER);
    ctx.json(ConsentRequest.of(shown));
  }

  private void receipt(Context ctx) {
    Caller caller = ctx.attribute("caller");
    ctx.json(ConsentReceipt.of(platform.domain().consents().receipt(VaultRoutes.access(platform, ctx), caller.id(), ctx.pathParam("id"))));
  }

  private void verify(Context ctx) {
    var v = platform.store().consentLedger().verify();
    if (!v.intact()) {
      throw new HttpProblem(409, "consent-ledger-broken", "The consent ledger's chain is broken", v.detail(),
          Map.of("entries", v.entries(), "first_broken_seq", v.firstBrokenSeq()));
    }
    ctx.json(new LedgerCheck(v.intact(), v.entries(), v.erased(), v.firstBrokenSeq(), v.head(), v.detail()));
  }
}
