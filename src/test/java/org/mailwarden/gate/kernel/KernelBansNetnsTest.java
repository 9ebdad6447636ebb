package org.mailwarden.gate.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.server.MailServer;
import org.mailwarden.support.Await;
import org.mailwarden.support.ServerProcess;
import org.mailwarden.unix.FileOwners;
import org.mailwarden.unix.UnixUser;

/**
 * The kernel side of bans, for real: a network namespace of the test's own with a veth pair, the server inside it
 * (as a process, started as root, dropping to the mail user), clients outside on the pair's other end. A banned
 * client's SYN is dropped (ban.blocktype = drop) or refused (reject) on every mail port, an unban lets it in within
 * a second, the set survives a restart, and a table of someone else's in the namespace is left as it was. Root,
 * {@code ip netns} and nft are needed; without them the test skips, saying why.
 */
class KernelBansNetnsTest {

    private static final String NS = "mwk" + ProcessHandle.current().pid();
    private static final String HOST_IF = "mwkh" + ProcessHandle.current().pid() % 100000;
    private static final String NS_IF = "mwkn" + ProcessHandle.current().pid() % 100000;
    private static final String SERVER4 = "10.213.0.2";
    private static final String CLIENT4 = "10.213.0.1";
    private static final String SERVER6 = "fd00:213::2";
    private static final String CLIENT6 = "fd00:213::1";
    private static final int[] PORTS = {25, 465, 587, 143, 993, 110, 995};
    private static final String OTHER = "table inet othertable {\n"
            + "\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n"
            + "\t\ttcp dport 9 counter accept\n\t}\n}\n";
    private static boolean made;
    private boolean dropsRoot;
    private final StringBuffer log = new StringBuffer(); // what the server in the namespace wrote

    @BeforeAll
    static void namespace() throws Exception {
        skipUnless(UnixUser.current().isRoot(), "not root");
        skipUnless(Files.isExecutable(Path.of("/usr/sbin/nft")), "no /usr/sbin/nft (scripts/install-test-tools.sh "
                + "installs Debian's nftables)");
        skipUnless(run("ip", "netns", "add", NS).ok(), "'ip netns add' does not work here");
        made = true;
        skipUnless(run("ip", "link", "add", HOST_IF, "type", "veth", "peer", "name", NS_IF).ok(),
                "cannot create a veth pair");
        must("ip", "link", "set", NS_IF, "netns", NS);
        must("ip", "addr", "add", CLIENT4 + "/24", "dev", HOST_IF);
        must("ip", "-6", "addr", "add", CLIENT6 + "/64", "dev", HOST_IF, "nodad");
        must("ip", "link", "set", HOST_IF, "up");
        must("ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up");
        must("ip", "netns", "exec", NS, "ip", "addr", "add", SERVER4 + "/24", "dev", NS_IF);
        must("ip", "netns", "exec", NS, "ip", "-6", "addr", "add", SERVER6 + "/64", "dev", NS_IF, "nodad");
        must("ip", "netns", "exec", NS, "ip", "link", "set", NS_IF, "up");
        Path other = Files.createTempFile("othertable", ".nft");
        Files.writeString(other, OTHER);
        skipUnless(run("ip", "netns", "exec", NS, "nft", "-f", other.toString()).ok(),
                "nft cannot load a table in a namespace (no nf_tables in this kernel?)");
        Files.delete(other);
    }

    @AfterAll
    static void removeNamespace() throws Exception {
        if (made) {
            run("ip", "link", "del", HOST_IF);
            run("ip", "netns", "del", NS);
        }
    }

    @Test
    void bannedClientsSynsAreDroppedOrRefusedOnEveryMailPortAndUnbanLetsThemIn(@TempDir Path tmp) throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x")); // the mail user's way in
        Path classes = Path.of(MailServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Optional<Path> closed = FileOwners.blockedOnTheWay(classes, UnixUser.of(5000, 5000));
        dropsRoot = closed.isEmpty();
        if (!dropsRoot) {
            System.out.println("KernelBansNetnsTest: " + closed.orElseThrow() + " is closed to uid 5000: the server "
                    + "keeps root here (DMS_VMAIL_UID=0) instead of dropping to the mail user");
        }
        Path data = tmp.resolve("data");
        Files.createDirectories(data.resolve("config"));
        Files.writeString(data.resolve("config").resolve("mailwarden.conf"),
                "ban.kernel = true\nban.blocktype = drop\npop3.enabled = true\n");
        String otherBefore = nft("list", "table", "inet", "othertable");

        Process server = serve(data);
        try {
            for (int port : PORTS) {
                assertEquals(Outcome.OPEN, connect(SERVER4, CLIENT4, port), "port " + port + " before any ban");
                assertEquals(Outcome.OPEN, connect(SERVER6, CLIENT6, port), "port " + port + " before any ban (v6)");
            }
            assertTrue(cli(data, "fail2ban", "ban", CLIENT4).ok());
            assertTrue(cli(data, "fail2ban", "ban", "fd00:213::99", "--for", "1h").ok()); // the /64 of CLIENT6
            Await.until("the bans in the kernel", Duration.ofSeconds(1),
                    () -> connect(SERVER4, CLIENT4, 25) == Outcome.SILENT);
            for (int port : PORTS) {
                assertEquals(Outcome.SILENT, connect(SERVER4, CLIENT4, port), "port " + port + ", drop, v4");
                assertEquals(Outcome.SILENT, connect(SERVER6, CLIENT6, port), "port " + port + ", drop, v6 /64");
            }
            Result status = cli(data, "fail2ban", "status");
            assertTrue(status.output().contains("\"elements\":2") && status.output().contains("\"inSync\":true"),
                    status.output());

            assertTrue(cli(data, "fail2ban", "unban", "fd00:213::1").ok());
            Await.until("the unbanned /64 let in", Duration.ofSeconds(1),
                    () -> connect(SERVER6, CLIENT6, 25) == Outcome.OPEN);
            assertEquals(Outcome.SILENT, connect(SERVER4, CLIENT4, 25), "the other ban holds");

            // someone removes the table: the next ban fails to apply, an event, and status says out of sync
            nft("delete", "table", "inet", "mailwarden");
            assertTrue(cli(data, "fail2ban", "ban", "10.213.0.77").ok());
            Await.until("the failure logged", Duration.ofSeconds(5),
                    () -> log.toString().contains("event=kernel-ban-failed action=ban"));
            Result broken = cli(data, "fail2ban", "status");
            assertTrue(broken.output().contains("\"inSync\":false"), broken.output());
        } finally {
            stop(server);
        }
        assertFalse(nft("list", "tables").contains("mailwarden"), "a clean stop removes the table");

        // the set survives a restart: rebuilt from the persisted bans, now refused (reject) rather than dropped
        Files.writeString(data.resolve("config").resolve("mailwarden.conf"),
                "ban.kernel = true\nban.blocktype = reject\npop3.enabled = true\n");
        server = serve(data);
        try {
            for (int port : PORTS) {
                assertEquals(Outcome.REFUSED, connect(SERVER4, CLIENT4, port), "port " + port + ", reject, v4");
                assertEquals(Outcome.OPEN, connect(SERVER6, CLIENT6, port), "port " + port + ", unbanned v6");
            }
            assertTrue(cli(data, "fail2ban", "unban", CLIENT4).ok());
            Await.until("the unbanned IPv4 let in", Duration.ofSeconds(1),
                    () -> connect(SERVER4, CLIENT4, 25) == Outcome.OPEN);
            for (int port : PORTS) {
                assertEquals(Outcome.OPEN, connect(SERVER4, CLIENT4, port), "port " + port + " after the unban");
            }
        } finally {
            stop(server);
        }
        assertEquals(otherBefore, nft("list", "table", "inet", "othertable"), "another table is left as it was");
        System.out.println("KernelBansNetnsTest ran in network namespace " + NS + ": drop, reject, unban, restart"
                + (dropsRoot ? ", server as uid 5000 with a root nft helper" : ", server kept root"));
    }

    private enum Outcome { OPEN, REFUSED, SILENT }

    private static Outcome connect(String server, String from, int port) {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.ofLiteral(from), 0));
            s.connect(new InetSocketAddress(InetAddress.ofLiteral(server), port), 300);
            return Outcome.OPEN;
        } catch (ConnectException e) {
            return Outcome.REFUSED;
        } catch (SocketTimeoutException e) {
            return Outcome.SILENT;
        } catch (IOException e) {
            throw new AssertionError("connecting to " + server + ":" + port + ": " + e, e);
        }
    }

    private Process serve(Path data) throws Exception {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", NS));
        command.addAll(java("serve", "--data-dir", data.toString(), "--no-demo", "--smtp-port", "25",
                "--submissions-port", "465", "--submission-port", "587", "--imap-port", "143", "--imaps-port", "993",
                "--pop3-port", "110", "--pop3s-port", "995"));
        log.setLength(0);
        Process p = ServerProcess.start(command, dropsRoot ? Map.of() : Map.of("DMS_VMAIL_UID", "0"), line -> {
            log.append(line).append('\n');
            if (line.contains("event=kernel-ban-failed")) {
                System.out.println("server: " + line);
            }
        });
        assertTrue(log.toString().contains("event=kernel-bans-started"), log.toString());
        if (dropsRoot) { // the server runs as the mail user; its nft helper, started before the drop, as root
            assertTrue(Files.readString(Path.of("/proc", Long.toString(p.pid()), "status")).contains("Uid:\t5000\t"));
            List<ProcessHandle> nft = p.toHandle().children().filter(h -> h.info().command().orElse("").endsWith("/nft"))
                    .toList();
            assertEquals(1, nft.size(), "one nft helper");
            assertTrue(Files.readString(Path.of("/proc", Long.toString(nft.get(0).pid()), "status"))
                    .contains("Uid:\t0\t"));
        }
        return p;
    }

    /** SIGTERM (ip netns exec became the server's JVM): its shutdown hook is the clean stop. */
    private static void stop(Process server) throws Exception {
        server.destroy();
        if (!server.waitFor(30, TimeUnit.SECONDS)) {
            server.destroyForcibly();
            fail("the server did not stop");
        }
    }

    private static Result cli(Path data, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", NS));
        List<String> a = new ArrayList<>(List.of(args));
        a.add(1, "--data-dir");
        a.add(2, data.toString());
        command.addAll(java(a.toArray(String[]::new)));
        return run(command.toArray(String[]::new));
    }

    private static List<String> java(String... args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> l = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                "org.mailwarden.cli.Main"));
        l.addAll(List.of(args));
        return l;
    }

    private static String nft(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", NS, "nft"));
        command.addAll(List.of(args));
        Result r = run(command.toArray(String[]::new));
        assertTrue(r.ok(), r.output());
        return r.output();
    }

    private record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    private static Result run(String... command) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Result(127, e.getMessage());
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    private static void must(String... command) throws Exception {
        Result r = run(command);
        assertTrue(r.ok(), String.join(" ", command) + ": " + r.output());
    }

    private static void skipUnless(boolean condition, String why) {
        if (!condition) {
            System.out.println("KernelBansNetnsTest SKIPPED: " + why + "; the kernel side of bans was not tested");
        }
        Assumptions.assumeTrue(condition, why);
    }
}
