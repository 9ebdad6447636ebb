package org.mailwarden.directory;

import java.util.Locale;

/**
 * RFC 5321 4.5.1: postmaster@ every local domain must reach someone. When no alias says who, mail for
 * postmaster goes to docker-mailserver's POSTMASTER_ADDRESS.
 */
public final class PostmasterFallback extends DelegatingDirectory {

    private final String postmaster;

    public PostmasterFallback(Directory directory, String postmasterAddress) {
        super(directory);
        this.postmaster = postmasterAddress.strip().toLowerCase(Locale.ROOT);
    }

    @Override
    public Resolution resolve(String address) {
        Resolution r = directory.resolve(address);
        if (r instanceof Resolution.UnknownUser && !postmaster.isEmpty()
                && address.toLowerCase(Locale.ROOT).startsWith("postmaster@") && !address.equalsIgnoreCase(postmaster)) {
            return directory.resolve(postmaster);
        }
        return r;
    }
}
