package org.mailwarden.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link TestServer} for each test, in a data dir of its own: started before the test, closed after it (also
 * when it fails), then its data dir deleted. Register it on an instance field with {@code @RegisterExtension}.
 */
public final class TestServerExtension implements BeforeEachCallback, AfterEachCallback {

    /** How a server starts on a data dir: one of TestServer's factories, or one that first writes files there. */
    @FunctionalInterface
    public interface Starter {
        TestServer start(Path dataDir) throws IOException;
    }

    private final Starter starter;
    private final boolean startBeforeEach;
    private Path dir;
    private TestServer server;

    /** Starts the default {@link TestServer#start(Path)} before each test. */
    public TestServerExtension() {
        this(TestServer::start);
    }

    /** Starts with {@code starter} before each test. */
    public TestServerExtension(Starter starter) {
        this(starter, true);
    }

    private TestServerExtension(Starter starter, boolean startBeforeEach) {
        this.starter = starter;
        this.startBeforeEach = startBeforeEach;
    }

    /** Gives each test an empty data dir and no server: the test starts one with {@link #start(Starter)}. */
    public static TestServerExtension startedByEachTest() {
        return new TestServerExtension(TestServer::start, false);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("mailwarden-test-");
        if (startBeforeEach) {
            server = starter.start(dir);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            server = null;
            Path d = dir;
            dir = null;
            if (d != null) {
                delete(d);
            }
        }
    }

    /** This test's server (still the closed one after a test closed it). */
    public TestServer get() {
        if (server == null) {
            throw new IllegalStateException("no server started for this test");
        }
        return server;
    }

    /** This test's data dir. */
    public Path dir() {
        return dir;
    }

    /**
     * Starts a server on the data dir as configured at registration (the default for {@link #startedByEachTest}),
     * closing the running one first: on the same data dir, a restart.
     */
    public TestServer start() throws IOException {
        return start(starter);
    }

    /** Closes the server, if one runs, and starts one with {@code other} on the same data dir. */
    public TestServer start(Starter other) throws IOException {
        if (server != null) {
            server.close();
        }
        server = other.start(dir);
        return server;
    }

    /** Deletes the tree; what cannot be deleted fails the test, named, rather than staying behind unnoticed. */
    private static void delete(Path root) throws IOException {
        List<Path> left = new ArrayList<>();
        IOException failure = null;
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    left.add(p);
                    if (failure == null) {
                        failure = e;
                    }
                }
            }
        }
        if (failure != null) {
            throw new IOException("test data dir not deleted, left behind: " + left, failure);
        }
    }
}
