package org.mailwarden.srs;

import java.util.Locale;
import java.util.Set;
import org.mailwarden.directory.DelegatingDirectory;
import org.mailwarden.directory.Directory;
import org.mailwarden.directory.Resolution;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory as mail routing sees it with SRS on: an SRS address in the SRS domain resolves to the address it
 * stands for: a local one as that address resolves, a remote one as a forward (a bounce goes back to the original
 * sender, an SRS1 address to the first forwarder's SRS0 address). One that does not check out (forged hash, expired
 * timestamp, broken form) is an unknown user: 550 5.1.1 at RCPT, as behind postsrsd, where a failed reversal leaves
 * an address nobody has; the reason is logged. Every other question goes to the directory.
 */
public final class SrsRouting extends DelegatingDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(SrsRouting.class);

    private final Srs srs;

    public SrsRouting(Directory directory, Srs srs) {
        super(directory);
        this.srs = srs;
    }

    @Override
    public Resolution resolve(String address) {
        return switch (srs.reverse(address)) {
            case SrsCodec.Reversal.NotSrs n -> directory.resolve(address);
            case SrsCodec.Reversal.Invalid(String reason) -> {
                LOG.info("event=srs-invalid rcpt={} reason=\"{}\"", address, reason);
                yield new Resolution.UnknownUser();
            }
            case SrsCodec.Reversal.Reversed(String original) -> {
                LOG.info("event=srs-reversed rcpt={} to={}", address, original);
                int at = original.lastIndexOf('@');
                String domain = original.substring(at + 1).toLowerCase(Locale.ROOT);
                yield directory.isLocalDomain(domain) ? directory.resolve(original)
                        : new Resolution.Deliver(Set.of(), Set.of(original));
            }
        };
    }
}
