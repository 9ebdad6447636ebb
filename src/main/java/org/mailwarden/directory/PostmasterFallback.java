package org.mailwarden.directory;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * RFC 5321 4.5.1: postmaster@ every local domain must reach someone. When no alias says who, mail for
 * postmaster goes to docker-mailserver's POSTMASTER_ADDRESS.
 */
public final class PostmasterFallback implements Directory {

    private final Directory directory;
    private final String postmaster;

    public PostmasterFallback(Directory directory, String postmasterAddress) {
        this.directory = directory;
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

    @Override
    public Set<String> localDomains() {
        return directory.localDomains();
    }

    @Override
    public Optional<Account> account(String address) {
        return directory.account(address);
    }

    @Override
    public Optional<Account> authenticate(String login, char[] password) {
        return directory.authenticate(login, password);
    }

    @Override
    public boolean isRestricted(String address, Service service) {
        return directory.isRestricted(address, service);
    }

    @Override
    public boolean mayUseSender(String login, String address) {
        return directory.mayUseSender(login, address);
    }
}
