package ai.omninode.onex.runtime.testnodes.echo;

import java.util.Set;

/** {@link EchoNode} that lists the settings it reads: one name and one family. */
public class SettingsEchoNode extends EchoNode {
    @Override
    public Set<String> settingNames() {
        return Set.of("ECHO_PREFIX", "ECHO_OPT_*");
    }
}
