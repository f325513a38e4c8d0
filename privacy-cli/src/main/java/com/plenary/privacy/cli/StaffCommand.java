package com.plenary.privacy.cli;

import com.plenary.privacy.Ids;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.StaffRecords;
import com.plenary.privacy.domain.staff.StaffAccess;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.store.StaffMembers.StaffMember;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "staff", mixinStandardHelpOptions = true,
    description = "Manage staff (C32, C33): add, list, issue a token, record an agreement, grant need-to-know access, break the glass, revoke.")
final class StaffCommand {
  @ParentCommand
  Plenary root;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Command(name = "add", mixinStandardHelpOptions = true,
      description = "Add a staff member with a type and roles, and, with --agreement-document and --agreement-expires, the confidentiality agreement they signed.")
  int add(@Option(names = "--name", required = true, description = "Display name.") String name,
      @Option(names = "--type", required = true, description = "employee, contractor or agent.") String type,
      @Option(names = "--role", required = true, description = "A role the policy declares; repeat for several.") List<String> roles,
      @Option(names = "--agreement-document", paramLabel = "VERSION", description = "The version of the confidentiality agreement signed, such as nda-2026.1.")
      String document,
      @Option(names = "--agreement-expires", paramLabel = "DATE", description = "The day that agreement runs out.") LocalDate expires,
      @Option(names = "--agreement-signed", paramLabel = "DATE", description = "The day it was signed (default: today).") LocalDate signed,
      @Option(names = "--no-agreement", description = "No agreement on file yet (the default without --agreement-document): every access is refused until one "
          + "is recorded (C33).") boolean noAgreement,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    if (name.isBlank() || name.length() > 200) {
      throw new InvalidInputException("name", "--name must be 1 to 200 characters");
    }
    if (document == null != (expires == null) || signed != null && document == null) {
      // an agreement is filed with its document and expiry, never without (C33): an undated one could never run out
      throw new InvalidInputException(document == null ? "agreement-document" : "agreement-expires",
          "--agreement-document and --agreement-expires go together (and --agreement-signed with them)");
    }
    if (noAgreement && document != null) {
      throw new InvalidInputException("no-agreement", "--no-agreement and --agreement-document exclude each other");
    }
    try (Platform platform = root.openPlatform()) {
      if (!platform.policy().staffTypes().contains(type)) {
        throw new InvalidInputException("type", "--type must be one of " + String.join(", ", platform.policy().staffTypes()));
      }
      for (String role : roles) {
        if (platform.policy().staffRole(role) == null) {
          throw new InvalidInputException("role", "--role must be one of " + String.join(", ", platform.policy().staffRoles().stream().map(r -> r.id()).toList()));
        }
      }
      Instant at = signed == null ? platform.clock().instant() : signed.atStartOfDay().toInstant(ZoneOffset.UTC);
      if (document != null) {
        StaffAccess.checkAgreement(document, at, expires.atStartOfDay().toInstant(ZoneOffset.UTC), platform.clock().instant()); // before anything is written
      }
      StaffMember m = platform.vault().staff().add(name, type, roles, null);
      if (document != null) {
        platform.domain().staff().recordAgreement(m.id(), document, at, expires.atStartOfDay().toInstant(ZoneOffset.UTC), "cli", null);
        m = platform.vault().staff().find(m.id()).orElseThrow();
      }
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Output.json(out, describe(m, platform.domain().staff().standing(m.id())));
      } else {
        out.println("Added " + m.type() + " " + m.id() + " with roles " + String.join(", ", m.roles())
            + (document == null ? "; no confidentiality agreement on file yet: record it with plenary staff agreement " + m.id()
                + " --document VERSION --expires DATE." : ", agreement " + document + " until " + expires + "."));
        out.println("Issue a token with: plenary staff token " + m.id());
      }
    }
    return Main.OK;
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List staff members with how they stand on their confidentiality agreement: in force until a day, no expiry on file (filed before "
          + "expiries were kept: in force, but record the real one), expired, or none.")
  int list(@Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      List<StaffMember> all = platform.vault().staff().list();
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Output.json(out, Map.of("staff", all.stream().map(m -> describe(m, platform.domain().staff().standing(m.id()))).toList()));
      } else {
        out.printf("%-18s %-11s %-28s %-28s %s%n", "ID", "TYPE", "ROLES", "AGREEMENT", "STATE");
        for (StaffMember m : all) {
          out.printf("%-18s %-11s %-28s %-28s %s%n", m.id(), m.type(), String.join(",", m.roles()), agreement(platform.domain().staff().standing(m.id())),
              m.active() ? "active" : "revoked");
        }
      }
    }
    return Main.OK;
  }

  private static String agreement(StaffRecords.Standing s) {
    return StaffRecords.Standing.IN_FORCE.equals(s.status()) ? "until " + s.counting().expiresAt().atOffset(ZoneOffset.UTC).toLocalDate()
        : StaffRecords.Standing.NO_EXPIRY.equals(s.status()) ? "NO EXPIRY ON FILE" : s.status();
  }

  @Command(name = "token", mixinStandardHelpOptions = true, description = "Issue a bearer token for a staff member, from the local issuer.")
  int token(@Parameters(paramLabel = "ID") String id,
      @Option(names = "--ttl", paramLabel = "DURATION", description = "Lifetime, e.g. PT1H (default: auth.token_ttl).") Duration ttl,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      StaffMember m = platform.vault().staff().find(id).filter(StaffMember::active)
          .orElseThrow(() -> new NotFound("no active staff member has the id '" + id + "'"));
      Duration life = ttl == null ? platform.config().tokenTtl() : ttl;
      if (life.isNegative() || life.isZero() || life.compareTo(Duration.ofDays(7)) > 0) {
        throw new InvalidInputException("ttl", "--ttl must be from PT1S to P7D");
      }
      String token = platform.issueStaffToken(m.id(), life);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", m.id());
        o.put("token", token);
        o.put("expires_at", platform.clock().instant().plus(life));
        Output.json(out, o);
      } else {
        out.println(token);
      }
    }
    return Main.OK;
  }

  @Command(name = "agreement", mixinStandardHelpOptions = true,
      description = "Record a staff member's confidentiality agreement on file (C33): the document's version, the day it was signed and the day it runs out.")
  int agreement(@Parameters(paramLabel = "ID") String id,
      @Option(names = "--signed", paramLabel = "DATE", description = "Day signed (default: today).") LocalDate signed,
      @Option(names = "--document", required = true, paramLabel = "VERSION", description = "The agreement document's version, such as nda-2026.1.")
      String document,
      @Option(names = "--expires", required = true, paramLabel = "DATE",
          description = "The day it runs out: from then the member reads no personal data until a new one is on file.") LocalDate expires,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      Instant at = signed == null ? platform.clock().instant() : signed.atStartOfDay().toInstant(ZoneOffset.UTC);
      var a = platform.domain().staff().recordAgreement(id, document, at, expires.atStartOfDay().toInstant(ZoneOffset.UTC), "cli", null);
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", a.id());
        o.put("staff", a.staffId());
        o.put("document_version", a.documentVersion());
        o.put("signed_at", a.signedAt());
        o.put("expires_at", a.expiresAt());
        o.put("in_force", a.inForce(platform.clock().instant()));
        Output.json(spec.commandLine().getOut(), o);
      } else {
        spec.commandLine().getOut().println("Recorded the confidentiality agreement " + a.documentVersion() + " of " + id + ", until " + expires + ".");
      }
    }
    return Main.OK;
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a staff member: their tokens stop working at once.")
  int revoke(@Parameters(paramLabel = "ID") String id, @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      StaffMember m = platform.vault().staff().revoke(id);
      if (json) {
        Output.json(spec.commandLine().getOut(), describe(m));
      } else {
        spec.commandLine().getOut().println("Revoked " + m.id() + "; their tokens no longer work.");
      }
    }
    return Main.OK;
  }

  @Command(name = "revoke-tokens", mixinStandardHelpOptions = true,
      description = "Revoke every token issued to a staff member until now; the member stays, and tokens issued afterwards work.")
  int revokeTokens(@Parameters(paramLabel = "ID") String id, @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      Instant at = platform.vault().staff().revokeTokens(id);
      if (json) {
        Output.json(spec.commandLine().getOut(), Map.of("id", id, "tokens_not_before", at));
      } else {
        spec.commandLine().getOut().println("Revoked the tokens of " + id + " issued before " + at + "; issue a new one with: plenary staff token " + id);
      }
    }
    return Main.OK;
  }

  @Command(name = "grant", mixinStandardHelpOptions = true,
      description = "Grant need-to-know access (C32): categories x purposes within one of the member's roles, for at most 90 days.")
  int grant(@Parameters(paramLabel = "ID") String id,
      @Option(names = "--role", required = true, description = "One of the member's roles.") String role,
      @Option(names = "--category", required = true, description = "A data category within what the role may open; repeat for several.") List<String> categories,
      @Option(names = "--purpose", required = true, description = "A purpose within what the role may open; repeat for several.") List<String> purposes,
      @Option(names = "--for", paramLabel = "DURATION", required = true, description = "How long, such as PT8H or P7D (at most P90D).") Duration length,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      Instant now = platform.clock().instant();
      var g = platform.domain().staff().grant(id, role, categories, purposes, now, now.plus(length), "cli", null);
      if (json) {
        Output.json(spec.commandLine().getOut(), g.view(now));
      } else {
        spec.commandLine().getOut().println("Granted " + g.id() + " to " + id + ": " + String.join(", ", g.categories()) + " for "
            + String.join(", ", g.purposes()) + " as " + g.role() + ", until " + g.until() + ".");
      }
    }
    return Main.OK;
  }

  @Command(name = "grants", mixinStandardHelpOptions = true, description = "List a staff member's grants, newest first (C32).")
  int grants(@Parameters(paramLabel = "ID") String id, @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      platform.vault().staff().find(id).orElseThrow(() -> new NotFound("no staff member has the id '" + id + "'"));
      Instant now = platform.clock().instant();
      var all = platform.domain().staff().grants(id);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Output.json(out, Map.of("grants", all.stream().map(g -> g.view(now)).toList()));
      } else {
        out.printf("%-40s %-16s %-8s %s%n", "GRANT", "ROLE", "STATE", "CATEGORIES / PURPOSES / UNTIL");
        for (var g : all) {
          out.printf("%-40s %-16s %-8s %s / %s / %s%n", g.id(), g.role(), g.inForce(now) ? "in force" : g.revokedAt() != null ? "ended" : "not now",
              String.join(",", g.categories()), String.join(",", g.purposes()), g.until());
        }
      }
    }
    return Main.OK;
  }

  @Command(name = "ungrant", mixinStandardHelpOptions = true, description = "End a grant at once (C32).")
  int ungrant(@Parameters(index = "0", paramLabel = "ID") String id, @Parameters(index = "1", paramLabel = "GRANT") String grant,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      var g = platform.domain().staff().revokeGrant(id, grant, "cli", null);
      if (json) {
        Output.json(spec.commandLine().getOut(), g.view(platform.clock().instant()));
      } else {
        spec.commandLine().getOut().println("Ended " + g.id() + ".");
      }
    }
    return Main.OK;
  }

  @Command(name = "break-glass", mixinStandardHelpOptions = true,
      description = {"Break the glass for a staff member (C32, C33): open one person's data without a grant, in one of the member's roles, for at most 60"
          + " minutes, on a justification. It opens an incident at once; every read through it is decided and audited as any read, and needs the"
          + " member's confidentiality agreement in force.",
          "For when the member cannot reach the API (POST /api/v1/break-glass); the operator records it on their behalf, in their name."})
  int breakGlass(@Parameters(paramLabel = "ID") String id,
      @Option(names = "--person", required = true, paramLabel = "SUBJECT", description = "The person's id (s-...).") String person,
      @Option(names = "--role", required = true, description = "One of the member's roles.") String role,
      @Option(names = "--category", required = true, description = "A data category within what the role may open; repeat for several.") List<String> categories,
      @Option(names = "--purpose", required = true, description = "One purpose within what the role may open.") String purpose,
      @Option(names = "--minutes", defaultValue = "60", description = "How long it stays open: 1 to 60 (default 60).") int minutes,
      @Option(names = "--justification", required = true, description = "Why, at most 1000 characters (sealed at rest).") String justification,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    if (minutes < 1 || minutes > 60) {
      throw new InvalidInputException("minutes", "--minutes must be from 1 to 60");
    }
    try (Platform platform = root.openPlatform()) {
      Access by = new Access(ActorKind.STAFF, id, "cli-" + Ids.timeOrdered(), null);
      StaffRecords.BreakGlass b = platform.domain().staff().breakGlass(by, person, role, categories, purpose, Duration.ofMinutes(minutes), justification);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", b.id());
        o.put("staff", b.staffId());
        o.put("subject", b.subjectId());
        o.put("role", b.role());
        o.put("categories", b.categories());
        o.put("purpose", b.purpose());
        o.put("opened_at", b.openedAt());
        o.put("until", b.until());
        o.put("incident", b.incidentId());
        Output.json(out, o);
      } else {
        out.println("Opened " + b.id() + " for " + id + ": " + String.join(", ", b.categories()) + " of " + b.subjectId() + " for " + b.purpose()
            + ", until " + b.until() + ".");
        out.println("Incident " + b.incidentId() + " is open for the privacy officers: plenary incidents list --kind break-glass");
      }
    }
    return Main.OK;
  }

  static Map<String, Object> describe(StaffMember m) {
    return describe(m, null);
  }

  /** A member as the CLI shows it; with their standing on agreements when given ({@code agreement}: status, and the day it runs out). */
  static Map<String, Object> describe(StaffMember m, StaffRecords.Standing standing) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("id", m.id());
    o.put("name", m.name());
    o.put("type", m.type());
    o.put("roles", m.roles());
    o.put("agreement_signed", m.agreementSigned());
    if (standing != null) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("status", standing.status());
      a.put("document_version", standing.counting() == null ? null : standing.counting().documentVersion());
      a.put("expires_at", standing.counting() == null ? null : standing.counting().expiresAt());
      o.put("agreement", a);
    }
    o.put("created_at", m.createdAt());
    o.put("revoked_at", m.revokedAt());
    return o;
  }
}
