"""Two keypaird nodes on one MariaDB server (a throwaway one, see mariadb_server.py): nothing
doubled, nothing lost, the quota never overshot, whichever node each request reaches. The tests
are test_postgres_cluster.py's, run against MariaDB."""

import sys
import unittest

import test_postgres_cluster as shared
from keypaird_process import Keypaird
from mariadb_server import MariadbServer


class SqlThroughMariadb:
    """What the shared tests call `self.pg.psql(sql)`: one value or rows, as text."""

    def __init__(self, db):
        self.db = db

    def psql(self, sql):
        return self.db.sql(sql, "keypaird")


class MariadbTwoNodesTest(shared.TwoNodesTest):
    @classmethod
    def setUpClass(cls):
        cls.db = MariadbServer().start()
        cls.pg = SqlThroughMariadb(cls.db)
        cls.nodes = []
        nodes = []
        try:
            # Both start at the same moment: the schema is created once (named lock).
            nodes = [Keypaird(shared.BINARY, shared.NODE_CONFIG, database_url=cls.db.url())
                     for _ in range(2)]
            shared.all_at_once(2, lambda i: nodes[i].start())
            cls.nodes = nodes
        except BaseException:
            for node in nodes:
                node.cleanup()
            cls.db.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        for node in cls.nodes:
            node.cleanup()
        cls.db.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2, argv=sys.argv[:1])
