//! The pooled connection: a client with its prepared statements. Every
//! statement of this crate is a constant text, prepared once per connection
//! and then run in one round trip (the driver alone prepares each text
//! again, a second round trip, every time).

use std::collections::HashMap;

use postgres::types::ToSql;
use postgres::{Row, Statement};

/// Connects the pool's clients; the statements start empty.
pub(crate) struct Manager {
    pub(crate) config: postgres::Config,
}

/// A client and the statements prepared on it.
pub(crate) struct Connection {
    client: postgres::Client,
    statements: HashMap<String, Statement>,
}

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

impl r2d2::ManageConnection for Manager {
    type Connection = Connection;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Connection, postgres::Error> {
        Ok(Connection {
            client: self.config.connect(postgres::NoTls)?,
            statements: HashMap::new(),
        })
    }

    fn is_valid(&self, conn: &mut Connection) -> Result<(), postgres::Error> {
        conn.client.simple_query("").map(drop)
    }

    fn has_broken(&self, conn: &mut Connection) -> bool {
        conn.client.is_closed()
    }
}

/// The statement for `sql`, prepared on `client` the first time.
fn prepared(
    statements: &mut HashMap<String, Statement>,
    client: &mut impl postgres::GenericClient,
    sql: &str,
) -> Result<Statement, postgres::Error> {
    if let Some(statement) = statements.get(sql) {
        return Ok(statement.clone());
    }
    let statement = client.prepare(sql)?;
    statements.insert(sql.to_owned(), statement.clone());
    Ok(statement)
}

impl Connection {
    pub(crate) fn execute(
        &mut self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<u64, postgres::Error> {
        let statement = prepared(&mut self.statements, &mut self.client, sql)?;
        self.client.execute(&statement, params)
    }

    pub(crate) fn query(
        &mut self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Vec<Row>, postgres::Error> {
        let statement = prepared(&mut self.statements, &mut self.client, sql)?;
        self.client.query(&statement, params)
    }

    pub(crate) fn query_opt(
        &mut self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Option<Row>, postgres::Error> {
        let statement = prepared(&mut self.statements, &mut self.client, sql)?;
        self.client.query_opt(&statement, params)
    }

    pub(crate) fn query_one(
        &mut self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Row, postgres::Error> {
        let statement = prepared(&mut self.statements, &mut self.client, sql)?;
        self.client.query_one(&statement, params)
    }

    /// Statements with no parameter, in one round trip (simple protocol).
    pub(crate) fn batch_execute(&mut self, sql: &str) -> Result<(), postgres::Error> {
        self.client.batch_execute(sql)
    }

    /// A transaction whose statements are prepared once too.
    pub(crate) fn transaction(&mut self) -> Result<Tx<'_>, postgres::Error> {
        Ok(Tx {
            tx: self.client.transaction()?,
            statements: &mut self.statements,
        })
    }
}

/// A transaction of a [`Connection`]; rolled back unless committed.
pub(crate) struct Tx<'a> {
    tx: postgres::Transaction<'a>,
    statements: &'a mut HashMap<String, Statement>,
}

impl Tx<'_> {
    pub(crate) fn execute(
        &mut self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<u64, postgres::Error> {
        let statement = prepared(self.statements, &mut self.tx, sql)?;
        self.tx.execute(&statement, params)
    }

    pub(crate) fn query(
        &mut self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Vec<Row>, postgres::Error> {
        let statement = prepared(self.statements, &mut self.tx, sql)?;
        self.tx.query(&statement, params)
    }

    pub(crate) fn query_opt(
        &mut self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Option<Row>, postgres::Error> {
        let statement = prepared(self.statements, &mut self.tx, sql)?;
        self.tx.query_opt(&statement, params)
    }

    pub(crate) fn query_one(
        &mut self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Row, postgres::Error> {
        let statement = prepared(self.statements, &mut self.tx, sql)?;
        self.tx.query_one(&statement, params)
    }

    pub(crate) fn batch_execute(&mut self, sql: &str) -> Result<(), postgres::Error> {
        self.tx.batch_execute(sql)
    }

    pub(crate) fn commit(self) -> Result<(), postgres::Error> {
        self.tx.commit()
    }
}
