package org.mailwarden.gate;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.mailwarden.config.Cidr;
import org.mailwarden.config.GateConfig;
import org.mailwarden.config.ListenerConfig;
import org.mailwarden.events.Event;
import org.mailwarden.events.EventBus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The security gate: one policy for every listener and every protocol. At connect ({@link #admit}) it checks,
 * in order, the global and the listener's deny and allow lists, bans, the per-IP connection-rate limit and the
 * per-IP limit of open connections (the last two not for the ignore list). At login ({@link #checkLogin}) it
 * checks bans and the same access lists again, the account's allowed networks and the per-account failure
 * limiter. It keeps a registry of open connections over all listeners, so a ban closes the IP's connections
 * everywhere.
 */
public final class SecurityGate implements ConnectionGate {

    private static final Logger LOG = LoggerFactory.getLogger("mailwarden.events");

    private final GateConfig config;
    private final BanEngine bans;
    private final AccountNetworks accountNetworks;
    private final Clock clock;
    private final List<Cidr> ignore;
    private final AccessList global;
    private final ConnectionRegistry registry = new ConnectionRegistry();
    private final ConnectionLimiter limiter;
    private final AccountGuard accounts;
    private final Consumer<Event> subscriber = this::onEvent;
    private EventBus bus;

    public SecurityGate(GateConfig config, BanEngine bans, AccountNetworks accountNetworks, Clock clock) {
        this.config = config;
        this.bans = bans;
        this.accountNetworks = accountNetworks;
        this.clock = clock;
        this.ignore = effectiveIgnore(config);
        this.global = new AccessList(config.allow(), config.deny());
        this.limiter = new ConnectionLimiter(config.maxConnectionsPerIp(), config.connectionRate());
        this.accounts = new AccountGuard(config.accountFailureLimit(), config.accountFailureWindow(), clock);
        bans.onBan(b -> {
            int closed = registry.closeAll(b.net());
            if (closed > 0) {
                LOG.info("event=ban-closed-connections ip={} connections={}", b.ip(), closed);
            }
        });
    }

    /** The gate for a server: bans persist in {@code <stateDir>/bans}, account networks come from the config dir. */
    public static SecurityGate create(GateConfig config, Path configDir, Path stateDir, Clock clock) {
        BanEngine engine = new BanEngine(config.ban(), effectiveIgnore(config), stateDir.resolve("bans"), clock);
        return new SecurityGate(config, engine, new AccountNetworks(configDir, Duration.ofSeconds(1)), clock);
    }

    /** ban.ignore plus relay.trusted-networks. */
    public static List<Cidr> effectiveIgnore(GateConfig config) {
        List<Cidr> l = new ArrayList<>(config.ban().ignore());
        l.addAll(config.trustedNetworks());
        return List.copyOf(l);
    }

    /** Subscribes the ban engine and the per-account limiter to the bus. */
    public synchronized SecurityGate attach(EventBus events) {
        detach();
        this.bus = events;
        events.subscribe(subscriber);
        return this;
    }

    public synchronized void detach() {
        if (bus != null) {
            bus.unsubscribe(subscriber);
            bus = null;
        }
    }

    private void onEvent(Event e) {
        switch (e) {
            case Event.AuthFailure a -> ip(a.origin()).ifPresent(ip -> accounts.failure(a.user(), ip));
            case Event.AuthSuccess a -> ip(a.origin()).ifPresent(ip -> accounts.success(a.user(), ip));
            default -> { }
        }
        bans.accept(e);
    }

    private static java.util.Optional<InetAddress> ip(Event.Origin o) {
        try {
            return java.util.Optional.of(InetAddress.ofLiteral(o.ip()));
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    public BanEngine bans() {
        return bans;
    }

    public ConnectionRegistry registry() {
        return registry;
    }

    public GateConfig config() {
        return config;
    }

    public AccountNetworks accountNetworks() {
        return accountNetworks;
    }

    private AccessList listenerList(ListenerConfig l) {
        return new AccessList(config.listenerAllow().getOrDefault(l.name(), List.of()),
                config.listenerDeny().getOrDefault(l.name(), List.of()));
    }

    /** Null when the access lists (global, then the listener's) let {@code ip} in, else the reason. */
    public String accessRefusal(InetAddress ip, ListenerConfig listener) {
        InetAddress u = Networks.unmap(ip);
        String r = global.refusal(u);
        return r != null ? r : listenerList(listener).refusal(u);
    }

    @Override
    public Decision admit(InetAddress client, ListenerConfig listener) {
        String access = accessRefusal(client, listener);
        if (access != null) {
            return new Decision.Refuse(access);
        }
        if (bans.isBanned(client)) {
            return new Decision.Refuse("banned", config.ban().blockType() == GateConfig.BlockType.DROP);
        }
        if (bans.ignored(client)) {
            return new Decision.Admit();
        }
        String limit = limiter.tryOpen(Networks.banUnit(client), clock.millis());
        return limit == null ? new Decision.Admit() : new Decision.Refuse(limit);
    }

    @Override
    public void opened(Connection c) {
        registry.add(c);
        if (bans.isBanned(c.clientIp())) {
            c.close(); // banned between admit() and now: the ban's sweep may have missed it
        }
    }

    @Override
    public void closed(Connection c) {
        registry.remove(c);
        if (!bans.ignored(c.clientIp())) {
            limiter.release(Networks.banUnit(c.clientIp()));
        }
    }

    @Override
    public ProxyPolicy proxy(ListenerConfig listener) {
        return config.proxyListeners().contains(listener.name())
                ? new ProxyPolicy(true, config.proxyTrusted(), config.proxyTimeout())
                : ProxyPolicy.OFF;
    }

    @Override
    public LoginDecision checkLogin(InetAddress ip, String account, ListenerConfig listener) {
        if (bans.isBanned(ip)) {
            return new LoginDecision.Deny("banned", false);
        }
        String access = accessRefusal(ip, listener);
        if (access != null) {
            return new LoginDecision.Deny(access, false);
        }
        if (!accountNetworks.allows(account, Networks.unmap(ip))) {
            return new LoginDecision.Deny("account-network", false);
        }
        if (accounts.throttled(account, ip)) {
            return new LoginDecision.Deny("account-throttled", true);
        }
        return LoginDecision.ALLOW;
    }

    /** Open connections from {@code ip} counted by the per-IP limit (tests, status). */
    public int openFrom(InetAddress ip) {
        return limiter.open(Networks.banUnit(ip));
    }
}
