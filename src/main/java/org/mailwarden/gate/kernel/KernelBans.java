package org.mailwarden.gate.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.mailwarden.config.GateConfig;
import org.mailwarden.gate.BanEngine;
import org.mailwarden.unix.UnixUser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ban engine's bans mirrored into the kernel (ban.kernel): a listener of the engine like the gate, so the
 * engine's own refusal at accept holds whatever happens here. {@link Off} when the setting is off, the server is
 * not root or there is no nft; then nothing at all is done to the kernel.
 */
public sealed interface KernelBans extends AutoCloseable {

    Logger LOG = LoggerFactory.getLogger("mailwarden.events");

    /** The status for {@code mailwarden fail2ban status}, a JSON object. */
    String statusJson();

    @Override
    void close();

    /** Nothing mirrored, and why. */
    record Off(String why) implements KernelBans {
        @Override
        public String statusJson() {
            return "{\"state\":\"off\",\"why\":\"" + why.replace("\"", "'") + "\"}";
        }

        @Override
        public void close() {}
    }

    /** Why the mirror would be off with these settings in this process, if it would; empty = it runs. */
    static Optional<String> unavailable(GateConfig.Ban config) {
        if (!config.kernel()) {
            return Optional.of("ban.kernel is off");
        }
        if (!config.enabled()) {
            return Optional.of("the ban engine is off (ban.enabled / ENABLE_FAIL2BAN)");
        }
        if (!UnixUser.current().isRoot()) {
            return Optional.of("not started as root: nftables needs root (CAP_NET_ADMIN)");
        }
        if (nft().isEmpty()) {
            return Optional.of("no nft program: install Debian's nftables package");
        }
        return Optional.empty();
    }

    private static Optional<Path> nft() {
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            Path p = Path.of(dir, "nft");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Starts the mirror while the process is still root (before it drops to the mail user): builds the table from
     * the engine's bans, on {@code ports}, and follows every ban and unban from then on.
     */
    static KernelBans start(BanEngine engine, SortedSet<Integer> ports, Clock clock) {
        Optional<String> why = unavailable(engine.config());
        if (why.isPresent()) {
            return new Off(why.get());
        }
        try {
            return new Mirror(engine, ports, clock, new NftHelper(nft().orElseThrow()));
        } catch (IOException e) {
            LOG.warn("event=kernel-ban-failed action=start reason=\"{}\"", e.getMessage());
            return new Off("nft could not be started: " + e.getMessage());
        }
    }

    /** The running mirror: one thread applies the changes in order, each within a second of the engine's. */
    final class Mirror implements KernelBans {
        private final BanEngine engine;
        private final Clock clock;
        private final NftHelper nft;
        private final ExecutorService worker = Executors.newSingleThreadExecutor(
                Thread.ofVirtual().name("kernel-bans").factory());
        private final AtomicLong failures = new AtomicLong();
        private volatile boolean closed;

        private Mirror(BanEngine engine, SortedSet<Integer> ports, Clock clock, NftHelper nft) {
            this.engine = engine;
            this.clock = clock;
            this.nft = nft;
            List<BanEngine.Ban> bans = engine.bans();
            apply("rebuild", NftRules.table(new TreeSet<>(ports), engine.config().blockType(), bans, clock.instant()));
            LOG.info("event=kernel-bans-started table=\"{}\" ports={} blocktype={} bans={}", NftRules.TABLE,
                    ports, engine.config().blockType().name().toLowerCase(java.util.Locale.ROOT), bans.size());
            engine.onBan(b -> submit("ban", () -> NftRules.ban(b, clock.instant())));
            engine.onUnban(b -> submit("unban", () -> NftRules.unban(b)));
        }

        private void submit(String action, java.util.function.Supplier<List<String>> commands) {
            if (!closed) {
                worker.execute(() -> apply(action, commands.get()));
            }
        }

        private boolean apply(String action, List<String> commands) {
            if (commands.isEmpty()) {
                return true;
            }
            try {
                NftHelper.Reply r = nft.run(commands);
                for (String error : r.errors()) {
                    failures.incrementAndGet();
                    LOG.warn("event=kernel-ban-failed action={} reason=\"{}\"", action, error.replace('"', '\''));
                }
                return r.ok();
            } catch (IOException e) {
                failures.incrementAndGet();
                LOG.warn("event=kernel-ban-failed action={} reason=\"{}\"", action, e.getMessage());
                return false;
            }
        }

        /** How many changes nft refused or never answered since start. */
        public long failures() {
            return failures.get();
        }

        /** The elements of both sets, as nft lists them now. */
        public Set<String> elements() throws IOException {
            return NftRules.elements(nft.run(NftRules.listSets()).output());
        }

        @Override
        public String statusJson() {
            Set<String> expected = new HashSet<>();
            for (BanEngine.Ban b : engine.bans()) {
                expected.add(b.ip());
            }
            try {
                Set<String> inKernel = elements();
                return "{\"state\":\"on\",\"table\":\"" + NftRules.TABLE + "\",\"elements\":" + inKernel.size()
                        + ",\"inSync\":" + inKernel.equals(expected) + ",\"failures\":" + failures() + "}";
            } catch (IOException e) {
                return "{\"state\":\"failing\",\"reason\":\"" + e.getMessage().replace("\"", "'")
                        + "\",\"inSync\":false,\"failures\":" + failures() + "}";
            }
        }

        /** A clean stop: the pending changes, then the table goes. */
        @Override
        public void close() {
            closed = true;
            worker.shutdown();
            try {
                worker.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (apply("remove", NftRules.remove())) {
                LOG.info("event=kernel-bans-stopped table=\"{}\"", NftRules.TABLE);
            }
            nft.close();
        }
    }
}
