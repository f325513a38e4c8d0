package com.plenary.privacy.cli;

import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.ConfigException;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.platform.Server;
import com.plenary.privacy.platform.ServerProvider;
import com.plenary.privacy.store.Credentials;
import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Start the platform: HTTP API and pages, on the embedded H2 database unless configured otherwise.")
final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);
  private static final String DEMO_OFFICER = "Demo Privacy Officer";

  @ParentCommand
  Plenary root;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--port", paramLabel = "PORT", description = "HTTP port (default 8080; 0 picks a free one).")
  Integer port;

  @Option(names = "--host", paramLabel = "HOST", description = "Address to listen on (default 0.0.0.0).")
  String host;

  @Option(names = "--demo", description = "Also load a small demo data set and print the URLs and demo credentials; "
      + "they work only while a server runs with --demo, and the next --demo start revokes them.")
  boolean demo;

  @Override
  public Integer call() throws InterruptedException {
    Map<String, String> overrides = new HashMap<>();
    if (port != null) {
      overrides.put("server.port", String.valueOf(port));
    }
    if (host != null) {
      overrides.put("server.host", host);
    }
    if (demo) {
      overrides.put("server.demo", "true");
    }
    Config config = root.loadConfig(overrides);
    LOG.info("configuration: {}", config.describe());
    // the HTTP server is found on the class path, before any data is opened (see ServerProvider)
    ServerProvider http = ServerProvider.installed();
    Platform platform = Platform.open(config, Clock.systemUTC());
    Server server;
    try {
      server = http.start(platform);
    } catch (ConfigException e) {
      platform.close();
      throw e; // this node may not join the others (operations.md, "Running several nodes")
    } catch (RuntimeException e) {
      platform.close();
      throw new ConfigException("cannot listen on " + config.host() + ":" + config.port()
          + " (configuration key 'server.port'): " + e.getMessage(), e);
    }
    CountDownLatch stopRequested = new CountDownLatch(1);
    AtomicBoolean stopping = new AtomicBoolean();
    Runnable stop = () -> {
      if (stopping.compareAndSet(false, true)) {
        server.stop();
        platform.close();
      }
    };
    // SIGTERM and Ctrl-C stop the server here, before the JVM exits: H2 closes its database in an exit
    // hook of its own, which would otherwise run beside ours and close it under the last commits, the
    // journal's and the audit sealing's. The exit hook stays for any other way the JVM ends.
    for (String name : List.of("TERM", "INT")) {
      onSignal(name, stopRequested::countDown);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(stop, "plenary-shutdown"));
    PrintWriter out = spec.commandLine().getOut();
    String base = "http://localhost:" + server.port();
    out.println("Plenary Privacy Platform is serving on " + base + " (policy version " + platform.policy().version()
        + ", database " + platform.store().product() + ")");
    if (config.demo()) {
      loadDemo(platform, out, base);
    }
    out.println("Health: " + base + "/health/ready   API: " + base + "/openapi.json   Staff console: " + base + "/console   Stop: Ctrl-C");
    out.flush();
    stopRequested.await();
    stop.run();
    return Main.OK;
  }

  /**
   * Runs {@code action} on the named signal, through the JDK's {@code sun.misc.Signal} (module
   * jdk.unsupported; reached reflectively, as the build refuses warnings about internal APIs). Where
   * it is missing, the exit hook alone stops the server.
   */
  static void onSignal(String name, Runnable action) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handler = Class.forName("sun.misc.SignalHandler");
      Object h = Proxy.newProxyInstance(handler.getClassLoader(), new Class<?>[] {handler}, (proxy, method, args) -> {
        switch (method.getName()) {
          case "handle" -> action.run();
          case "hashCode" -> {
            return System.identityHashCode(proxy);
          }
          case "equals" -> {
            return proxy == args[0];
          }
          case "toString" -> {
            return "plenary SIG" + name + " handler";
          }
          default -> {
            // no other methods
          }
        }
        return null;
      });
      signal.getMethod("handle", signal, handler).invoke(null, signal.getConstructor(String.class).newInstance(name), h);
    } catch (ReflectiveOperationException | IllegalArgumentException | LinkageError e) {
      LOG.debug("cannot handle SIG{} here ({}); the exit hook stops the server", name, e.toString());
    }
  }

  /**
   * A small demo data set: a service, a partner and a privacy officer, with fresh credentials each
   * start. The credentials of earlier demo starts are revoked, the officer's tokens included; all of
   * them are marked as demo credentials, which the server accepts only while it runs with --demo.
   */
  private static void loadDemo(Platform platform, PrintWriter out, String base) {
    var credentials = platform.store().credentials();
    credentials.revokeDemo();
    for (var kind : List.of(Credentials.Kind.SERVICE, Credentials.Kind.PARTNER)) {
      for (var c : credentials.list(kind)) {
        if (c.active() && (c.name().equals("mail") || c.name().equals("acme-ads"))) {
          credentials.revoke(kind, c.id());
        }
      }
    }
    String service = credentials.issueDemo(Credentials.Kind.SERVICE, "mail").key();
    String partner = credentials.issueDemo(Credentials.Kind.PARTNER, "acme-ads").key();
    var staff = platform.vault().staff();
    // an officer made by a demo start of an earlier version is not marked yet
    staff.list().stream().filter(s -> s.active() && s.name().equals(DEMO_OFFICER)).forEach(s -> staff.markDemo(s.id()));
    var officer = staff.demoMembers().stream().findFirst()
        .orElseGet(() -> staff.addDemo(DEMO_OFFICER, "employee", List.of("privacy-officer"), platform.clock().instant()));
    staff.revokeTokens(officer.id());
    String token = platform.issueStaffToken(officer.id(), platform.config().tokenTtl());
    out.println();
    out.println("Demo data loaded. These credentials are shown once:");
    out.println("  service 'mail' key:        " + service);
    out.println("  partner 'acme-ads' key:    " + partner);
    out.println("  privacy officer " + officer.id() + " token (valid " + platform.config().tokenTtl() + "):");
    out.println("    " + token);
    out.println();
    out.println("Try:");
    out.println("  curl " + base + "/api/v1/policy");
    out.println("  curl -H 'Authorization: Bearer " + service + "' -H 'Content-Type: application/json' \\");
    out.println("       -d '{\"action\":\"read\",\"purpose\":\"provide\",\"categories\":[\"user.contact.email\"]}' " + base + "/api/v1/decisions");
    out.println("  curl -H 'Authorization: Bearer <token>' " + base + "/api/v1/services");
    out.println();
  }
}
