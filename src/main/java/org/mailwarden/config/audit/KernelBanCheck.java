package org.mailwarden.config.audit;

import java.util.List;
import org.mailwarden.config.GateConfig;
import org.mailwarden.gate.kernel.KernelBans;
import org.mailwarden.gate.kernel.NftRules;

/** Whether bans also go to the kernel (ban.kernel, nftables), always reported: on, or off and why. */
final class KernelBanCheck implements ConfigCheck {

    @Override
    public String name() {
        return "kernel-bans";
    }

    @Override
    public List<Finding> run(AuditContext context) {
        GateConfig.Ban ban = context.config().gate().ban();
        return KernelBans.unavailable(ban)
                .map(why -> List.of(ban.kernel()
                        ? Finding.warning("ban.kernel-unavailable", "ban.kernel is on but bans stay in Mailwarden "
                                + "only: " + why, "run the server as root with Debian's nftables installed, or set "
                                + "ban.kernel = false")
                        : Finding.info("ban.kernel-off", "kernel bans: off (" + why + "); Mailwarden refuses "
                                + "banned clients itself", "set ban.kernel = true to drop them in the kernel too")))
                .orElseGet(() -> List.of(Finding.info("ban.kernel-on", "kernel bans: on, nftables table "
                        + NftRules.TABLE + " (ban.blocktype = " + ban.blockType().name().toLowerCase(java.util.Locale.ROOT)
                        + ")", "")));
    }
}
