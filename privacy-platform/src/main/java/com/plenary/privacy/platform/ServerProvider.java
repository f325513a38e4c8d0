package com.plenary.privacy.platform;

import com.plenary.privacy.PlenaryException;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Starts a {@link Server} on a platform. {@code privacy-server} provides the HTTP one; {@code plenary
 * serve} finds it on the class path with {@link ServiceLoader}, as the store finds its JDBC drivers,
 * so that the command line depends on the platform and never on the server. A provider is a public
 * class with a public no-argument constructor, named in
 * {@code META-INF/services/com.plenary.privacy.platform.ServerProvider}.
 */
public interface ServerProvider {
  /**
   * Starts serving {@code platform} on its configured host and port, and returns once requests are
   * accepted.
   *
   * @throws RuntimeException when it cannot listen there
   */
  Server start(Platform platform);

  /**
   * The one provider on the class path.
   *
   * @throws PlenaryException naming what is missing when there is none, or the providers when there are several
   */
  static ServerProvider installed() {
    List<ServerProvider> found = ServiceLoader.load(ServerProvider.class).stream().map(ServiceLoader.Provider::get).toList();
    if (found.isEmpty()) {
      throw new PlenaryException("no server is on the class path: serving needs privacy-server, which the plenary command built by privacy-app carries");
    }
    if (found.size() > 1) {
      throw new PlenaryException("more than one server is on the class path (" + String.join(", ", found.stream().map(p -> p.getClass().getName()).toList())
          + "); keep one");
    }
    return found.get(0);
  }
}
