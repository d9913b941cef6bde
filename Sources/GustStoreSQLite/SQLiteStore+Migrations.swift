import GRDB

extension SQLiteStore {
    /// Configurations are stored as JSON documents: the model evolves faster than a column schema
    /// would, and nothing queries inside them. Invocation records are columns: one is written per
    /// invocation, and encoding JSON for each showed in the warm path's profile.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE functions (
                        name TEXT PRIMARY KEY,
                        latest TEXT NOT NULL,
                        reserved_concurrency INTEGER,
                        last_version INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE TABLE versions (
                        function TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        config TEXT NOT NULL,
                        PRIMARY KEY (function, version)
                    );
                    CREATE TABLE aliases (
                        function TEXT NOT NULL,
                        name TEXT NOT NULL,
                        alias TEXT NOT NULL,
                        PRIMARY KEY (function, name)
                    );
                    CREATE TABLE invocations (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        request_id TEXT NOT NULL,
                        function TEXT NOT NULL,
                        version TEXT NOT NULL,
                        source TEXT NOT NULL,
                        mode TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        error_type TEXT,
                        start_time REAL NOT NULL,
                        init_ms REAL,
                        duration_ms REAL NOT NULL,
                        billed_ms INTEGER NOT NULL,
                        memory_mb INTEGER NOT NULL,
                        max_memory_mb INTEGER,
                        instance_id TEXT,
                        logs TEXT NOT NULL
                    );
                    CREATE INDEX invocations_by_function ON invocations (function, start_time);
                    CREATE INDEX invocations_by_time ON invocations (start_time);
                    CREATE TABLE async_events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        request_id TEXT NOT NULL UNIQUE,
                        function TEXT NOT NULL,
                        qualifier TEXT,
                        payload BLOB NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        enqueued_at REAL NOT NULL,
                        not_before REAL NOT NULL,
                        lease_until REAL NOT NULL DEFAULT 0
                    );
                    CREATE INDEX async_events_due ON async_events (not_before);
                    CREATE TABLE dead_events (
                        id INTEGER PRIMARY KEY,
                        request_id TEXT NOT NULL,
                        function TEXT NOT NULL,
                        qualifier TEXT,
                        payload BLOB NOT NULL,
                        attempts INTEGER NOT NULL,
                        enqueued_at REAL NOT NULL,
                        failed_at REAL NOT NULL,
                        reason TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v2-routes") { db in
            try db.execute(
                sql: """
                    CREATE TABLE routes (
                        function TEXT NOT NULL,
                        route_key TEXT NOT NULL,
                        definition TEXT NOT NULL,
                        PRIMARY KEY (function, route_key)
                    );
                    """)
        }
        migrator.registerMigration("v3-api-keys") { db in
            try db.execute(
                sql: """
                    CREATE TABLE api_keys (
                        id TEXT PRIMARY KEY,
                        name TEXT NOT NULL,
                        sha256 TEXT NOT NULL UNIQUE,
                        created_at REAL NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v4-function-urls") { db in
            try db.execute(
                sql: """
                    CREATE TABLE function_urls (
                        function TEXT NOT NULL,
                        qualifier TEXT NOT NULL DEFAULT '',
                        definition TEXT NOT NULL,
                        PRIMARY KEY (function, qualifier)
                    );
                    """)
        }
        // Leaner invocation rows, the table written once per invocation: the function's own output
        // instead of the whole log text (START/END/REPORT are rendered from the columns when read),
        // and one index instead of two (an index entry holds the rowid, so `function` alone serves
        // "this function's latest first"). The table stays as it is otherwise, AUTOINCREMENT
        // included: readers page by id (`gust logs --follow`), so an id is never handed out twice.
        migrator.registerMigration("v5-lean-invocations") { db in
            try db.execute(
                sql: """
                    ALTER TABLE invocations RENAME COLUMN logs TO output;
                    -- Old rows held START line, output, END and REPORT lines: keep what lies between.
                    UPDATE invocations SET output = substr(output, instr(output, char(10)) + 1,
                            instr(output, 'END RequestId: ' || request_id || char(10)) - instr(output, char(10)) - 1)
                        WHERE output LIKE 'START RequestId: %'
                            AND instr(output, 'END RequestId: ' || request_id || char(10)) > instr(output, char(10));
                    DROP INDEX invocations_by_time;
                    DROP INDEX invocations_by_function;
                    CREATE INDEX invocations_by_function ON invocations (function);
                    """)
        }
        // SQS-compatible queues. `seq` orders a queue's messages (FIFO order, SequenceNumber) and
        // names a message in its receipt handles; `visible_at` covers delays and visibility
        // timeouts alike, so "what can be received" is one index range.
        migrator.registerMigration("v6-queues") { db in
            try db.execute(
                sql: """
                    CREATE TABLE queues (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        name TEXT NOT NULL UNIQUE,
                        attributes TEXT NOT NULL,
                        tags TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        modified_at REAL NOT NULL
                    );
                    CREATE TABLE queue_messages (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        queue_id INTEGER NOT NULL,
                        message_id TEXT NOT NULL,
                        body TEXT NOT NULL,
                        attributes BLOB,
                        system_attributes BLOB,
                        md5_body TEXT NOT NULL,
                        md5_attributes TEXT,
                        sender_id TEXT NOT NULL,
                        sent_at REAL NOT NULL,
                        group_id TEXT,
                        dedup_id TEXT,
                        visible_at REAL NOT NULL,
                        expires_at REAL NOT NULL,
                        receive_count INTEGER NOT NULL DEFAULT 0,
                        first_received_at REAL,
                        receipt_token TEXT,
                        dead_letter_source TEXT
                    );
                    CREATE INDEX queue_messages_visible ON queue_messages (queue_id, visible_at);
                    CREATE INDEX queue_messages_order ON queue_messages (queue_id, seq);
                    CREATE TABLE queue_dedup (
                        queue_id INTEGER NOT NULL,
                        dedup_key TEXT NOT NULL,
                        message_id TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        expires_at REAL NOT NULL,
                        PRIMARY KEY (queue_id, dedup_key)
                    );
                    """)
        }
        // Event sources: mappings (pull sources' pollers) and the async path's per-function policy,
        // each kept as its JSON beside the columns it is looked up by.
        migrator.registerMigration("v7-event-sources") { db in
            try db.execute(
                sql: """
                    CREATE TABLE event_source_mappings (
                        uuid TEXT PRIMARY KEY,
                        function TEXT NOT NULL,
                        qualifier TEXT NOT NULL,
                        source_arn TEXT NOT NULL,
                        config TEXT NOT NULL
                    );
                    CREATE UNIQUE INDEX event_source_mappings_pair ON event_source_mappings (function, qualifier, source_arn);
                    CREATE TABLE event_invoke_configs (
                        function TEXT NOT NULL,
                        qualifier TEXT NOT NULL,
                        config TEXT NOT NULL,
                        PRIMARY KEY (function, qualifier)
                    );
                    ALTER TABLE async_events ADD COLUMN source TEXT NOT NULL DEFAULT 'async';
                    """)
        }
        // Each function's own key for calling Gust's services. The secret is kept as it is: the
        // verifier needs it to check signatures, as it needs the root key's.
        migrator.registerMigration("v8-function-credentials") { db in
            try db.execute(
                sql: """
                    CREATE TABLE function_credentials (
                        function TEXT PRIMARY KEY,
                        access_key TEXT NOT NULL UNIQUE,
                        secret_key TEXT NOT NULL,
                        session_token TEXT NOT NULL,
                        created_at REAL NOT NULL
                    );
                    """)
        }
        // Buckets and object metadata (the bytes are files, GustObjectStore's FileBackend).
        migrator.registerMigration("v9-objects") { db in
            try db.execute(
                sql: """
                    CREATE TABLE buckets (
                        name TEXT PRIMARY KEY,
                        created_at REAL NOT NULL,
                        region TEXT NOT NULL,
                        notification TEXT
                    );
                    CREATE TABLE objects (
                        bucket TEXT NOT NULL,
                        key BLOB NOT NULL,
                        blob_id TEXT NOT NULL,
                        record TEXT NOT NULL,
                        PRIMARY KEY (bucket, key)
                    ) WITHOUT ROWID;
                    CREATE TABLE object_sequencer (value INTEGER NOT NULL);
                    INSERT INTO object_sequencer (value) VALUES (0);
                    """)
        }
        migrator.registerMigration("v10-multipart") { db in
            try db.execute(
                sql: """
                    CREATE TABLE multipart_uploads (
                        upload_id TEXT PRIMARY KEY,
                        bucket TEXT NOT NULL,
                        key BLOB NOT NULL,
                        record TEXT NOT NULL
                    );
                    CREATE INDEX multipart_uploads_by_key ON multipart_uploads (bucket, key, upload_id);
                    CREATE TABLE multipart_parts (
                        upload_id TEXT NOT NULL,
                        number INTEGER NOT NULL,
                        blob_id TEXT NOT NULL,
                        record TEXT NOT NULL,
                        PRIMARY KEY (upload_id, number)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v11-object-events") { db in
            try db.execute(sql: "CREATE TABLE object_events (id INTEGER PRIMARY KEY AUTOINCREMENT, record TEXT NOT NULL)")
        }
        migrator.registerMigration("v12-multipart-completed") { db in
            try db.execute(
                sql: """
                    CREATE TABLE multipart_completed (
                        upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key BLOB NOT NULL, etag TEXT NOT NULL,
                        completed_at REAL NOT NULL
                    )
                    """)
        }
        migrator.registerMigration("v13-bucket-acl") { db in
            // JSON of an `AccessControlList`; NULL is private, which every bucket so far is.
            try db.execute(sql: "ALTER TABLE buckets ADD COLUMN acl TEXT")
        }
        return migrator
    }
}
