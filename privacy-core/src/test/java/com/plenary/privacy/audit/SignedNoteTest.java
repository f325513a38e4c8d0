package com.plenary.privacy.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Signed notes and checkpoints, against the reference implementation's published example. */
class SignedNoteTest {
  private String verifierKey;
  private String signerKey;
  private final StringBuilder text = new StringBuilder();
  private String signature;

  SignedNoteTest() throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/merkle/signed-note-vector.txt")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        int sp = line.indexOf(' ');
        if (line.startsWith("#") || sp < 0) {
          continue;
        }
        String v = line.substring(sp + 1);
        switch (line.substring(0, sp)) {
          case "verifier" -> verifierKey = v;
          case "signer" -> signerKey = v;
          case "text" -> text.append(v).append('\n');
          case "signature" -> signature = v;
          default -> throw new IllegalStateException(line);
        }
      }
    }
  }

  @Test
  void signsThePublishedExampleByteForByteAndVerifiesIt() {
    NoteSigner signer = NoteSigner.of(signerKey, verifierKey);
    String note = text + "\n" + signature + "\n";
    assertThat(signer.sign(text.toString())).isEqualTo(note);
    assertThat(signer.signerKey()).isEqualTo(signerKey);
    NoteVerifier v = NoteVerifier.of(verifierKey);
    assertThat(v.verifierKey()).isEqualTo(verifierKey);
    assertThat(Integer.toHexString(v.keyId())).isEqualTo("c74f20a3");
    assertThat(v.open(note)).isEqualTo(text.toString());
    assertThatThrownBy(() -> v.open(note.replace("cryptography", "cryptographY"))).isInstanceOf(NoteException.class).hasMessageContaining("does not verify");
    assertThat(signer.toString()).doesNotContain(signerKey.substring(signerKey.lastIndexOf('+') + 1));
  }

  @Test
  void aCheckpointSignedByAnotherKeyOrAlteredDoesNotOpen() {
    NoteSigner ours = NoteSigner.generate("plenary.test/audit");
    NoteSigner theirs = NoteSigner.generate("plenary.test/audit");
    Checkpoint c = new Checkpoint("plenary.test/audit", 8, MerkleTree.emptyRoot());
    String note = ours.sign(c.body());
    assertThat(Checkpoint.parse(NoteVerifier.of(ours.verifier().verifierKey()).open(note))).isEqualTo(c);
    assertThatThrownBy(() -> theirs.verifier().open(note)).isInstanceOf(NoteException.class);
    assertThatThrownBy(() -> ours.verifier().open(note.replace("\n8\n", "\n9\n"))).isInstanceOf(NoteException.class).hasMessageContaining("does not verify");
    assertThat(NoteSigner.of(ours.signerKey(), ours.verifier().verifierKey()).sign(c.body())).isEqualTo(note);
    assertThatThrownBy(() -> NoteSigner.of(ours.signerKey(), theirs.verifier().verifierKey())).isInstanceOf(NoteException.class);
  }

  @Test
  void refusesMalformedKeysAndCheckpoints() {
    assertThatThrownBy(() -> NoteVerifier.of("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")).hasMessageContaining("key id");
    assertThatThrownBy(() -> NoteVerifier.of("PeterNeumann")).hasMessageContaining("<name>+<key id>+<key>");
    assertThatThrownBy(() -> NoteVerifier.of("P+c74f20a3+AAAA")).hasMessageContaining("Ed25519");
    assertThatThrownBy(() -> Checkpoint.parse("origin\n012\nAAAA\n")).hasMessageContaining("tree size");
    assertThatThrownBy(() -> Checkpoint.parse("origin\n12\n")).hasMessageContaining("three lines");
    assertThatThrownBy(() -> Checkpoint.parse("origin\n12\nAAAA\n")).hasMessageContaining("32 bytes");
  }
}
