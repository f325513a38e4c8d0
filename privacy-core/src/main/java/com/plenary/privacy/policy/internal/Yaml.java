package com.plenary.privacy.policy.internal;

import com.plenary.privacy.policy.Problem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A thin reader over snakeyaml's node tree that keeps every value's position, so problems can be
 * reported at file:line:column. Problems are collected, never thrown, so one pass reports them all.
 */
final class Yaml {
  /** A string value and where it was written. */
  record Ref(String value, Node node) {}

  private final String source;
  private final List<Problem> problems;

  Yaml(String source, List<Problem> problems) {
    this.source = source;
    this.problems = problems;
  }

  String source() {
    return source;
  }

  void problem(Node at, String message) {
    int line = at == null ? 1 : at.getStartMark().getLine() + 1;
    int column = at == null ? 1 : at.getStartMark().getColumn() + 1;
    problems.add(new Problem(source, line, column, message));
  }

  /** A mapping, its keys checked against {@code allowed}. */
  Obj obj(Node node, String what, Set<String> allowed) {
    if (!(node instanceof MappingNode mapping)) {
      problem(node, what + " must be a mapping of keys to values");
      return new Obj(node, new LinkedHashMap<>());
    }
    Map<String, NodeTuple> entries = new LinkedHashMap<>();
    for (NodeTuple t : mapping.getValue()) {
      if (!(t.getKeyNode() instanceof ScalarNode key)) {
        problem(t.getKeyNode(), "a key in " + what + " must be a plain word");
        continue;
      }
      if (entries.containsKey(key.getValue())) {
        problem(key, "the key '" + key.getValue() + "' appears twice in " + what);
        continue;
      }
      if (!allowed.contains(key.getValue())) {
        problem(key, "unknown key '" + key.getValue() + "' in " + what + "; allowed: " + String.join(", ", allowed));
        continue;
      }
      entries.put(key.getValue(), t);
    }
    return new Obj(node, entries);
  }

  List<Node> seq(Node node, String what) {
    if (node == null) {
      return List.of();
    }
    if (!(node instanceof SequenceNode sequence)) {
      problem(node, what + " must be a list");
      return List.of();
    }
    return sequence.getValue();
  }

  /** A mapping node with positions. */
  final class Obj {
    final Node node;
    private final Map<String, NodeTuple> entries;

    Obj(Node node, Map<String, NodeTuple> entries) {
      this.node = node;
      this.entries = entries;
    }

    Node get(String key) {
      NodeTuple t = entries.get(key);
      return t == null ? null : t.getValueNode();
    }

    Node keyNode(String key) {
      NodeTuple t = entries.get(key);
      return t == null ? node : t.getKeyNode();
    }

    boolean has(String key) {
      return entries.containsKey(key);
    }

    Ref ref(String key, String what) {
      Node value = get(key);
      if (value == null) {
        problem(node, what + " needs '" + key + "'");
        return new Ref("", node);
      }
      if (!(value instanceof ScalarNode scalar) || scalar.getValue().isBlank()) {
        problem(value, "'" + key + "' in " + what + " must be a non-empty text");
        return new Ref("", value);
      }
      return new Ref(scalar.getValue(), value);
    }

    String text(String key, String what) {
      return ref(key, what).value();
    }

    String optText(String key, String fallback) {
      Node value = get(key);
      if (value == null) {
        return fallback;
      }
      if (!(value instanceof ScalarNode scalar)) {
        problem(value, "'" + key + "' must be a text");
        return fallback;
      }
      return scalar.getValue();
    }

    int integer(String key, int fallback, int min, int max) {
      Node value = get(key);
      if (value == null) {
        return fallback;
      }
      if (value instanceof ScalarNode scalar) {
        try {
          int n = Integer.parseInt(scalar.getValue().trim());
          if (n >= min && n <= max) {
            return n;
          }
        } catch (NumberFormatException ignored) {
          // reported below
        }
      }
      problem(value, "'" + key + "' must be a whole number from " + min + " to " + max);
      return fallback;
    }

    boolean bool(String key, boolean fallback) {
      Node value = get(key);
      if (value == null) {
        return fallback;
      }
      if (value instanceof ScalarNode scalar
          && (scalar.getValue().equals("true") || scalar.getValue().equals("false"))) {
        return Boolean.parseBoolean(scalar.getValue());
      }
      problem(value, "'" + key + "' must be true or false");
      return fallback;
    }

    /** A list of texts; absent means empty. */
    List<Ref> refs(String key) {
      Node value = get(key);
      List<Ref> out = new ArrayList<>();
      for (Node item : seq(value, "'" + key + "'")) {
        if (item instanceof ScalarNode scalar && !scalar.getValue().isBlank()) {
          out.add(new Ref(scalar.getValue(), item));
        } else {
          problem(item, "each entry of '" + key + "' must be a non-empty text");
        }
      }
      return out;
    }
  }

  static List<String> values(List<Ref> refs) {
    List<String> out = new ArrayList<>(refs.size());
    for (Ref r : refs) {
      out.add(r.value());
    }
    return out;
  }
}
