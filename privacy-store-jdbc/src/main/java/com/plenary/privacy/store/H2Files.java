package com.plenary.privacy.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import javax.sql.DataSource;
import org.h2.api.ErrorCode;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.FileStore;
import org.h2.mvstore.MVStore;

/**
 * What an embedded H2 database file holds, for operators' metrics. The platform opens H2 with
 * {@code WRITE_DELAY=0}, so that each commit is in the file before it returns (nothing acknowledged
 * is lost); that setting also stops H2's background thread, which otherwise rewrites half-empty
 * chunks. Under a high rate of small commits the file therefore grows faster than its data (measured:
 * about 2 KB of file per usage event at 20,000 events a second, a third of it live); the space of
 * replaced chunks is reused only after H2's 45-second retention. See operations.md, "H2 file size".
 */
public final class H2Files {
  private H2Files() {}

  /** The file's size and live share, without changing anything. */
  static Optional<FileUse> use(DataSource ds) {
    try (Connection c = ds.getConnection()) {
      return mvStore(c).map(H2Files::use);
    } catch (SQLException e) {
      throw new StoreException("cannot read the database file's size: " + e.getMessage(), e);
    }
  }

  private static FileUse use(MVStore s) {
    FileStore<?> f = s.getFileStore();
    return new FileUse(f.size(), f.getChunksFillRate());
  }

  /** The MVStore behind a connection to an embedded, file-backed H2 database (not in memory, not over TCP). */
  private static Optional<MVStore> mvStore(Connection c) throws SQLException {
    if (!c.isWrapperFor(JdbcConnection.class) || !(c.unwrap(JdbcConnection.class).getSession() instanceof SessionLocal session)) {
      return Optional.empty();
    }
    var db = session.getDatabase();
    if (!db.isPersistent() || db.getStore() == null) {
      return Optional.empty();
    }
    MVStore s = db.getStore().getMvStore();
    return s.getFileStore() == null || s.isClosed() ? Optional.empty() : Optional.of(s);
  }

  /**
   * Compacts an embedded H2 database file fully ({@code SHUTDOWN COMPACT}: live pages are rewritten
   * next to each other and the file is cut to them), for a maintenance window. The database must not
   * be open in a running server: with {@code AUTO_SERVER=TRUE} a second process would reach it over
   * TCP, and shutting it down would stop that server; this is refused.
   *
   * @return the file and its size before and after
   * @throws StoreException when the URL is not an H2 file or a server holds it open
   */
  public static Compacted compactClosed(String url, String user, String password) {
    if (!url.startsWith("jdbc:h2:") || url.matches("(?i)jdbc:h2:(mem|tcp|ssl|zip):.*")) {
      throw new StoreException(Store.redact(url) + " is not an embedded H2 file: nothing to compact (PostgreSQL reclaims space with VACUUM)", null);
    }
    // IFEXISTS: a data directory that was never used is reported, not given an empty database
    try (Connection c = DriverManager.getConnection(url + ";IFEXISTS=TRUE", user, password)) {
      MVStore s = mvStore(c).orElseThrow(() -> new StoreException(
          "the database " + Store.redact(url) + " is open in a running server; stop it, then compact", null));
      Path file = Path.of(s.getFileStore().getFileName());
      long before = Files.size(file);
      try (Statement st = c.createStatement()) {
        st.execute("SHUTDOWN COMPACT");
      }
      return new Compacted(file.toString(), before, Files.size(file));
    } catch (SQLException e) {
      if (e.getErrorCode() == ErrorCode.DATABASE_NOT_FOUND_WITH_IF_EXISTS_1) {
        throw new StoreException("there is no database at " + Store.redact(url) + " to compact", e);
      }
      throw new StoreException("cannot compact " + Store.redact(url) + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new StoreException("cannot compact " + Store.redact(url) + ": " + e.getMessage(), e);
    }
  }

  /** A compacted file and its size in bytes before and after. */
  public record Compacted(String file, long bytesBefore, long bytesAfter) {}

  /** An H2 file's size in bytes and the percentage of its chunk space that is live. */
  public record FileUse(long bytes, int livePercent) {}
}
