package com.plenary.privacy.domain;

import com.plenary.privacy.PlenaryException;
import java.net.URI;
import java.util.Optional;

/**
 * A request about a person whose home region is not this deployment's (C13, issue 18): nothing about
 * them is read or written here. Names their region and, when it is configured, the public URL of that
 * region's deployment, where the caller sends the request instead.
 */
public final class InAnotherRegion extends PlenaryException {
  private final String region;
  private final URI url;

  public InAnotherRegion(String here, String region, URI url) {
    super("this deployment holds the data of people whose home region is '" + here + "'; send requests about people of '" + region
        + "' to the deployment of their region" + (url == null ? "" : " (" + url + ")") + " (C13)");
    this.region = region;
    this.url = url;
  }

  /** The person's home region. */
  public String region() {
    return region;
  }

  /** The public URL of the region's deployment, when this deployment is configured with it. */
  public Optional<URI> url() {
    return Optional.ofNullable(url);
  }
}
