package org.mailwarden.mailauth.spf;

import java.io.IOException;
import org.mailwarden.support.TestDns;

/** Loads records written as "name TYPE value" into a TestDns (TXT, A, AAAA, MX "pref host", PTR "ip", CNAME). */
final class SpfZones {
    private SpfZones() {}

    static void load(TestDns dns, String... records) throws IOException {
        for (String line : records) {
            String[] p = line.split(" ", 3);
            switch (p[1]) {
                case "TXT" -> dns.txt(p[0], p[2]);
                case "A" -> dns.a(p[0], p[2]);
                case "AAAA" -> dns.aaaa(p[0], p[2]);
                case "MX" -> {
                    String[] mx = p[2].split(" ");
                    dns.mx(p[0], Integer.parseInt(mx[0]), mx[1]);
                }
                case "PTR" -> dns.ptr(p[2], p[0]); // "host PTR ip": the address's PTR names host
                case "CNAME" -> dns.cname(p[0], p[2]);
                case "SERVFAIL" -> dns.servfail(p[0]);
                default -> throw new IllegalArgumentException("record type of " + line);
            }
        }
    }
}
