package com.plenary.privacy.store;

import com.plenary.privacy.domain.Conflict;
import com.plenary.privacy.domain.NotFound;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.plenary.privacy.store.Credentials.Kind;
import org.junit.jupiter.api.Test;

/** The storage contract: every test here runs on H2 and on PostgreSQL. */
abstract class StoreContract {
  abstract Store store();

  @Test
  void C1_anIssuedServiceKeyAuthenticatesAndIsNeverStoredInPlain() {
    var issued = store().credentials().issue(Kind.SERVICE, "mail");
    assertThat(issued.key()).startsWith("pls_").hasSizeGreaterThan(40);
    assertThat(store().credentials().authenticate(issued.key())).get()
        .satisfies(c -> {
          assertThat(c.name()).isEqualTo("mail");
          assertThat(c.kind()).isEqualTo(Kind.SERVICE);
        });
    assertThat(store().credentials().authenticate(issued.key() + "x")).isEmpty();
  }

  @Test
  void C4_partnerKeysAreKeptApartFromServiceKeys() {
    var partner = store().credentials().issue(Kind.PARTNER, "acme-ads");
    assertThat(partner.key()).startsWith("plp_");
    assertThat(store().credentials().authenticate(partner.key()).orElseThrow().kind()).isEqualTo(Kind.PARTNER);
    assertThat(store().credentials().list(Kind.SERVICE)).noneMatch(c -> c.name().equals("acme-ads"));
  }

  @Test
  void aRevokedKeyStopsWorkingAtOnce() {
    var issued = store().credentials().issue(Kind.SERVICE, "shop");
    var revoked = store().credentials().revoke(Kind.SERVICE, "shop");
    assertThat(revoked.revokedAt()).isNotNull();
    assertThat(store().credentials().authenticate(issued.key())).isEmpty();
    assertThat(store().credentials().list(Kind.SERVICE)).anyMatch(c -> c.name().equals("shop") && !c.active());
  }

  @Test
  void aSecondActiveKeyWithTheSameNameIsAConflictAndWritesNothing() {
    store().credentials().issue(Kind.SERVICE, "web");
    int before = store().credentials().list(Kind.SERVICE).size();
    assertThatThrownBy(() -> store().credentials().issue(Kind.SERVICE, "web")).isInstanceOf(Conflict.class).hasMessageContaining("'web'");
    assertThat(store().credentials().list(Kind.SERVICE)).hasSize(before);
  }

  @Test
  void revokingAnUnknownCredentialIsNotFound() {
    assertThatThrownBy(() -> store().credentials().revoke(Kind.PARTNER, "nobody")).isInstanceOf(NotFound.class);
  }

  @Test
  void theStoreReportsReadyAndItsPool() {
    assertThat(store().ready()).isTrue();
    assertThat(store().poolState()).contains("total=");
  }
}
