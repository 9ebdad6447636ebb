package org.mailwarden.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.mailwarden.gate.AdminApi;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;

/**
 * {@code mailwarden fail2ban status | list [--json] | ban IP [--for 1h] | unban IP}: the running server's ban
 * engine, through its local admin API (port and token in {@code <data-dir>/state/}).
 */
@Command(name = "fail2ban", mixinStandardHelpOptions = true,
        description = "Show and change the running server's bans (the built-in fail2ban).",
        subcommands = {Fail2banCommand.Status.class, Fail2banCommand.ListBans.class, Fail2banCommand.Ban.class,
                Fail2banCommand.Unban.class})
final class Fail2banCommand implements Callable<Integer> {

    @Option(names = "--data-dir", description = "Data directory of the running server. "
            + "Default: $MAILWARDEN_DATA, else ./data", defaultValue = "${env:MAILWARDEN_DATA:-data}",
            scope = picocli.CommandLine.ScopeType.INHERIT)
    Path dataDir;

    @Override
    public Integer call() {
        return new Status().run(this);
    }

    /** One HTTP call to the admin API; prints the body; exit 0 on 2xx, 1 otherwise (and when no server runs). */
    int call(String method, String pathAndQuery, boolean printBody) {
        Path state = dataDir.toAbsolutePath().normalize().resolve("state");
        String port;
        String token;
        try {
            port = Files.readString(state.resolve(AdminApi.PORT_FILE)).strip();
            token = Files.readString(state.resolve(AdminApi.TOKEN_FILE)).strip();
        } catch (NoSuchFileException e) {
            System.err.println("mailwarden: no running server found for " + dataDir.toAbsolutePath().normalize()
                    + " (no " + state.resolve(AdminApi.PORT_FILE) + "): start it with 'mailwarden serve --data-dir "
                    + dataDir + "', or pass the --data-dir it runs with");
            return 1;
        } catch (IOException e) {
            System.err.println("mailwarden: cannot read the admin port or token in " + state + ": " + e.getMessage()
                    + " (run as the user the server runs as)");
            return 1;
        }
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                    .timeout(Duration.ofSeconds(30)).header(AdminApi.TOKEN_HEADER, token)
                    .method(method, HttpRequest.BodyPublishers.noBody()).build();
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                System.err.println("mailwarden: " + r.body().strip());
                return 1;
            }
            if (printBody) {
                System.out.print(r.body());
                System.out.flush();
            }
            return 0;
        } catch (ConnectException e) {
            System.err.println("mailwarden: no server is running for " + dataDir.toAbsolutePath().normalize()
                    + " (nothing listens on the admin port " + port + "): start it with 'mailwarden serve'");
            return 1;
        } catch (IOException e) {
            System.err.println("mailwarden: admin API call failed: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Command(name = "status", description = "Whether the ban engine is on, active bans, open connections.")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        Fail2banCommand parent;

        @Override
        public Integer call() {
            return run(parent);
        }

        int run(Fail2banCommand p) {
            return p.call("GET", "/status", true);
        }
    }

    @Command(name = "list", description = "Active bans: ip, reason, until (UTC), ban count.")
    static final class ListBans implements Callable<Integer> {
        @ParentCommand
        Fail2banCommand parent;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            return parent.call("GET", json ? "/bans" : "/bans?format=text", true);
        }
    }

    @Command(name = "ban", description = "Ban an IP (an IPv6 address bans its /64) on every listener.")
    static final class Ban implements Callable<Integer> {
        @ParentCommand
        Fail2banCommand parent;

        @Parameters(paramLabel = "IP")
        String ip;

        @Option(names = "--for", description = "Duration, e.g. 30m, 1h, 7d, or permanent; 36525d (100 years) or "
                + "more is permanent. Default: ban.bantime, escalated for repeat offenders.")
        String duration;

        @Override
        public Integer call() {
            String q = "/ban?ip=" + enc(ip) + (duration == null ? "" : "&for=" + enc(duration));
            return parent.call("POST", q, true);
        }
    }

    @Command(name = "unban", description = "Lift an IP's ban.")
    static final class Unban implements Callable<Integer> {
        @ParentCommand
        Fail2banCommand parent;

        @Parameters(paramLabel = "IP")
        String ip;

        @Override
        public Integer call() {
            return parent.call("POST", "/unban?ip=" + enc(ip), true);
        }
    }
}
