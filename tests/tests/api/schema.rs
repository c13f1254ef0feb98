//! `schema.graphql` at the top level is exactly the schema the server builds.
//! Regenerate with `cargo run -p api -- schema > schema.graphql`.

#[test]
fn checked_in_schema_matches_the_server() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let checked_in = std::fs::read_to_string(path).expect("schema.graphql at the top level");
    let built = api::graphql::schema::sdl();
    assert!(
        checked_in == built,
        "schema.graphql is stale: run `cargo run -p api -- schema > schema.graphql`"
    );
}
