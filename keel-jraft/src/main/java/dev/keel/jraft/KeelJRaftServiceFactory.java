package dev.keel.jraft;

import com.alipay.sofa.jraft.JRaftServiceFactory;
import com.alipay.sofa.jraft.core.DefaultJRaftServiceFactory;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.storage.LogStorage;
import com.alipay.sofa.jraft.util.SPI;

/**
 * A {@link JRaftServiceFactory} whose log storage is {@link KeelLogStorage}; snapshots, raft
 * meta and the entry codec stay JRaft's defaults. Use it explicitly:
 * <pre>
 *   nodeOptions.setServiceFactory(new KeelJRaftServiceFactory());
 * </pre>
 * or through JRaft's SPI: it is registered in
 * {@code META-INF/services/com.alipay.sofa.jraft.JRaftServiceFactory} with a priority above
 * the default's, so {@code NodeOptions}' default factory is this one whenever keel-jraft is on
 * the class path.
 */
@SPI(priority = 10)
public class KeelJRaftServiceFactory extends DefaultJRaftServiceFactory {
    @Override
    public LogStorage createLogStorage(String uri, RaftOptions raftOptions) {
        return new KeelLogStorage(uri, raftOptions);
    }
}
