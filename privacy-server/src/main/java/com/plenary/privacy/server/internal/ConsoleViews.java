package com.plenary.privacy.server.internal;

import java.util.List;
import java.util.Map;

/**
 * The values the admin console's templates take ({@code src/main/jte/console}). A list page is a
 * {@link Listing}: rows of cells, each row with the forms its viewer may post (none for a viewer whose
 * role does not allow the action). Immutable.
 */
public final class ConsoleViews {
  private ConsoleViews() {}

  /** Who is signed in, and what the console's navigation offers them. */
  public record Frame(String staffId, String name, String roles, String csrf, List<Link> nav, String current) {
    public Frame {
      nav = List.copyOf(nav);
    }
  }

  /** A link of the navigation, or any link. */
  public record Link(String href, String label) {}

  /** A list of things with the actions the viewer may take on each. */
  public record Listing(String title, String intro, String empty, List<String> header, List<Item> items, List<Form> forms) {
    public Listing {
      header = List.copyOf(header);
      items = List.copyOf(items);
      forms = List.copyOf(forms);
    }
  }

  /** One row: its cells (as many as the header), a link to more when there is one, and its forms. */
  public record Item(String id, List<String> cells, Link more, List<Form> forms) {
    public Item {
      cells = List.copyOf(cells);
      forms = List.copyOf(forms);
    }
  }

  /** A form that posts to {@code action} with the session's CSRF token; {@code style} is primary, secondary or danger. */
  public record Form(String id, String action, String label, String style, List<Input> inputs) {
    public Form {
      inputs = List.copyOf(inputs);
    }
  }

  /** An input of a form: text, textarea, date, datetime-local, number or select (with its options). */
  public record Input(String name, String label, String type, List<Option> options, String value, boolean required, int max) {
    public Input {
      options = List.copyOf(options);
    }
  }

  /** An option of a select. */
  public record Option(String value, String label) {}

  /** A chart of the home page: drawn by the script from {@code data} (JSON), with the same figures as a table for everyone the chart does not reach. */
  public record Chart(String id, String title, String kind, String data, List<String> header, List<List<String>> rows) {
    public Chart {
      header = List.copyOf(header);
      rows = rows.stream().map(List::copyOf).toList();
    }
  }

  /** A bar of a share (consent rates, outbox health): a {@code meter} with its label and the number in words. */
  public record Share(String label, double value, double max, String text) {}

  /** The home page: the charts, the consent rates and the outbox; {@code figures} false for a role that does not see them. */
  public record Home(boolean figures, List<Chart> charts, List<Share> consents, List<Share> outbox, String outboxNote, List<Link> shortcuts) {
    public Home {
      charts = List.copyOf(charts);
      consents = List.copyOf(consents);
      outbox = List.copyOf(outbox);
      shortcuts = List.copyOf(shortcuts);
    }
  }

  /** The audit search: what was asked (as typed) and the entries found. */
  public record AuditSearch(String subject, String actor, String action, String rule, List<Map.Entry<String, String>> rules, String effect, String since,
      String until, List<AuditRow> rows, String more, String error) {
    public AuditSearch {
      rules = List.copyOf(rules);
      rows = List.copyOf(rows);
    }
  }

  /** An audit entry as the console lists it; {@code seq} 0 while it is not sealed yet. */
  public record AuditRow(long seq, String at, String actor, String action, String purpose, String subject, String categories, String effect, String rules) {}

  /** An entry's inclusion proof, and the newest signed checkpoint it can be checked against. */
  public record Proof(long seq, long size, String leafHash, String rootHash, List<String> hashes, String checkpoint) {
    public Proof {
      hashes = List.copyOf(hashes);
    }
  }

  /** A page that says one thing: what went wrong, or that something is done, with where to go next. */
  public record Message(String title, String text, Link back) {}

  /** The sign-in page: the pre-sign-in CSRF token, whether OIDC is offered, and what went wrong. */
  public record SignIn(String csrf, boolean oidc, String error, String done) {}
}
