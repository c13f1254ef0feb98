//! The access matrix of DOMAIN.md, walked exhaustively: every role × every restricted field and
//! filter, from one table transcribed here independently of the server's `access` module.

use api::auth::Role;
use hub389_tests::{TestApp, errors_at, home, ok, refusal_codes};
use serde_json::{Value, json};

/// Who may read a compartment, per DOMAIN.md's table.
#[derive(Debug, Clone, Copy, PartialEq)]
enum May {
    No,
    /// Only on cases the viewer's agency leads (informant: tips assigned to its agency).
    OwnAgency,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Comp {
    Police,
    Customs,
    Informant,
}

/// THE TABLE: DOMAIN.md "Compartments and roles", restricted rows.
fn matrix(role: Role, comp: Comp) -> May {
    use May::*;
    let row: [May; 8] = match comp {
        //                admin leader standing police    customs   officer   commune press
        Comp::Police => [No, No, No, All, OwnAgency, OwnAgency, No, No],
        Comp::Customs => [No, No, No, OwnAgency, All, OwnAgency, No, No],
        Comp::Informant => [No, No, No, OwnAgency, No, No, No, No],
    };
    row[Role::ALL.iter().position(|r| *r == role).unwrap()]
}

/// Case core: None = refused, Some(false) = all cases, Some(true) = own commune only.
fn case_core(role: Role) -> Option<bool> {
    match role {
        Role::Admin | Role::Press => None,
        Role::Commune => Some(true),
        _ => Some(false),
    }
}

/// Tips (content): None = refused, Some(true) = only those assigned to its agency.
fn tips_row(role: Role) -> Option<bool> {
    match role {
        Role::Leader | Role::StandingOffice | Role::Police => Some(false),
        Role::Customs | Role::Officer => Some(true),
        _ => None,
    }
}

/// Restricted case fields and their compartment, with the path under a case node.
const CASE_FIELDS: &[(&str, Comp)] = &[
    ("subjects", Comp::Police),
    ("investigation", Comp::Police),
    ("customsRecords", Comp::Customs),
];

/// The cases query for a role: every restricted field of a compartment the role may read
/// somewhere. A compartment it can never read is not in its schema at all, so asking for its
/// fields fails validation as unknown fields (checked separately, [`never_in_schema`]).
fn cases_query(role: Role) -> String {
    let police = matrix(role, Comp::Police) != May::No;
    let customs = matrix(role, Comp::Customs) != May::No;
    format!(
        r#"query($lead: String) {{ cases(first: 100, filter: {{ leadAgency: $lead }}) {{
  nodes {{ id leadAgency {{ code }} commune {{ code }}
    seizures {{ {} }}
    {} {} }} }} }}"#,
        if customs { "hsCode" } else { "quantity" },
        if police {
            "subjects { fullName idNumber dateOfBirth address taxCode } investigation { notes defendants }"
        } else {
            ""
        },
        if customs {
            "customsRecords { declarationNumber hsCodes importerTaxCode }"
        } else {
            ""
        },
    )
}

/// A role that can never read a compartment does not have its fields: asking is a validation
/// error naming an unknown field, exactly as for a field that does not exist.
async fn never_in_schema(app: &TestApp, token: &str, role: Role) -> usize {
    let mut checked = 0;
    for (comp, field, sub) in [
        (Comp::Police, "subjects", "{ fullName }"),
        (Comp::Police, "investigation", "{ notes }"),
        (Comp::Customs, "customsRecords", "{ declarationNumber }"),
    ] {
        if matrix(role, comp) != May::No || case_core(role).is_none() {
            continue;
        }
        let r = app
            .query(
                Some(token),
                &format!("{{ cases(first: 1) {{ nodes {{ {field} {sub} }} }} }}"),
            )
            .await;
        assert_eq!(
            r["errors"][0]["message"],
            format!("Unknown field \"{field}\" on type \"Case\"."),
            "{role:?}: {r}"
        );
        assert!(r["data"].is_null(), "{role:?}: {r}");
        checked += 1;
    }
    checked
}

fn allowed(may: May, own: bool) -> bool {
    match may {
        May::No => false,
        May::OwnAgency => own,
        May::All => true,
    }
}

#[tokio::test]
async fn every_role_and_every_restricted_case_field() {
    let app = TestApp::spawn().await;
    let leader = app.token_for(Role::Leader);
    let all_cases = app
        .query(Some(&leader), "{ cases(first: 1) { totalCount } }")
        .await["data"]["cases"]["totalCount"]
        .as_u64()
        .unwrap();
    let mut checked = 0;
    for &role in Role::ALL {
        let (agency, commune) = home(role);
        let token = app.token(role, agency, commune);
        checked += never_in_schema(&app, &token, role).await;
        for lead in ["CA", "HQ", "BDBP", "QLTT"] {
            let r = app
                .gql(Some(&token), &cases_query(role), json!({ "lead": lead }))
                .await;
            let Some(only_commune) = case_core(role) else {
                assert_eq!(
                    refusal_codes(&r),
                    ["FORBIDDEN"],
                    "{role:?} reads no cases: {r}"
                );
                assert!(
                    r["data"].is_null() || r["data"]["cases"].is_null(),
                    "{role:?}: {r}"
                );
                continue;
            };
            let nodes = r["data"]["cases"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{role:?}: {r}"));
            if !only_commune {
                assert!(!nodes.is_empty(), "{role:?} sees cases led by {lead}");
            }
            for (i, node) in nodes.iter().enumerate() {
                assert_eq!(node["leadAgency"]["code"], lead);
                if only_commune {
                    assert_eq!(
                        node["commune"]["code"],
                        commune.unwrap(),
                        "commune users see their commune only"
                    );
                }
                let own = agency == Some(lead);
                for (field, comp) in CASE_FIELDS {
                    if matrix(role, *comp) == May::No {
                        continue; // not in the role's schema (see `never_in_schema`)
                    }
                    let path = [json!("cases"), json!("nodes"), json!(i), json!(field)];
                    let errs = errors_at(&r, &path);
                    if allowed(matrix(role, *comp), own) {
                        assert!(
                            errs.is_empty(),
                            "{role:?} reads {field} of a {lead} case: {errs:?}"
                        );
                        if *field != "investigation" {
                            assert!(node[field].is_array(), "{role:?} {field} {lead}: {node}");
                        }
                    } else {
                        assert!(
                            node[field].is_null(),
                            "{role:?} must not read {field} of a {lead} case"
                        );
                        assert_eq!(
                            errs.len(),
                            1,
                            "{role:?} {field} {lead}: one FORBIDDEN at its path"
                        );
                        assert_eq!(errs[0]["extensions"]["code"], "FORBIDDEN");
                    }
                    checked += 1;
                }
                for (j, seizure) in node["seizures"].as_array().unwrap().iter().enumerate() {
                    if matrix(role, Comp::Customs) == May::No {
                        break;
                    }
                    let path = [
                        json!("cases"),
                        json!("nodes"),
                        json!(i),
                        json!("seizures"),
                        json!(j),
                        json!("hsCode"),
                    ];
                    let errs = errors_at(&r, &path);
                    if allowed(matrix(role, Comp::Customs), own) {
                        assert!(errs.is_empty());
                    } else {
                        assert!(seizure["hsCode"].is_null());
                        assert_eq!(errs.len(), 1, "{role:?} hsCode {lead}");
                        assert_eq!(errs[0]["extensions"]["code"], "FORBIDDEN");
                    }
                    checked += 1;
                }
            }
        }
        // Commune users see strictly fewer cases than the province.
        if case_core(role) == Some(true) {
            let r = app
                .query(Some(&token), "{ cases(first: 1) { totalCount } }")
                .await;
            let n = r["data"]["cases"]["totalCount"].as_u64().unwrap();
            assert!(n > 0 && n < all_cases, "commune sees {n} of {all_cases}");
        }
    }
    assert!(checked > 1000, "walked {checked} field checks");
}

#[tokio::test]
async fn every_role_and_every_restricted_filter() {
    let app = TestApp::spawn().await;
    // Real values to filter on, from an HQ-led case (read by customs, which reads everything of
    // its compartment, and by police, which reads every subject).
    let [police, customs] = app.tokens_for([Role::Police, Role::Customs]);
    let q = r#"{ cases(first: 100, filter: { leadAgency: "HQ" }) { nodes { id subjects { fullName idNumber } customsRecords { declarationNumber hsCodes } } } }"#;
    let by_police = app.query(Some(&police), q).await;
    let by_customs = app.query(Some(&customs), q).await;
    let case_with = |r: &Value, f: &dyn Fn(&Value) -> bool| -> Value {
        r["data"]["cases"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| f(n))
            .cloned()
            .expect("a matching case")
    };
    let s_case = case_with(&by_police, &|n| {
        n["subjects"]
            .as_array()
            .is_some_and(|a| a.iter().any(|s| !s["idNumber"].is_null()))
    });
    let subject = s_case["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| !s["idNumber"].is_null())
        .unwrap()
        .clone();
    let c_case = case_with(&by_customs, &|n| {
        n["customsRecords"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    });
    let record = c_case["customsRecords"][0].clone();
    let name_plain = api::text::fold(subject["fullName"].as_str().unwrap());
    let filters: Vec<(&str, Value, Comp, &str)> = vec![
        (
            "subjectName",
            json!(name_plain),
            Comp::Police,
            s_case["id"].as_str().unwrap(),
        ),
        (
            "subjectIdNumber",
            subject["idNumber"].clone(),
            Comp::Police,
            s_case["id"].as_str().unwrap(),
        ),
        (
            "declarationNumber",
            record["declarationNumber"].clone(),
            Comp::Customs,
            c_case["id"].as_str().unwrap(),
        ),
        (
            "hsCode",
            record["hsCodes"][0].clone(),
            Comp::Customs,
            c_case["id"].as_str().unwrap(),
        ),
    ];
    let fq = "query($f: CaseFilter) { cases(first: 100, filter: $f) { nodes { id leadAgency { code } } } }";
    for &role in Role::ALL {
        let (agency, commune) = home(role);
        let token = app.token(role, agency, commune);
        for (name, value, comp, hq_case) in &filters {
            let r = app
                .gql(Some(&token), fq, json!({ "f": { *name: value } }))
                .await;
            let may = if case_core(role).is_none() {
                May::No
            } else {
                matrix(role, *comp)
            };
            let text = r.to_string();
            // No error message ever echoes the value filtered on.
            for e in r["errors"].as_array().into_iter().flatten() {
                assert!(
                    !e["message"].to_string().contains(value.as_str().unwrap()),
                    "{e}"
                );
            }
            match may {
                May::No => {
                    assert!(
                        refusal_codes(&r) == ["FORBIDDEN"]
                            || refusal_codes(&r) == ["BAD_USER_INPUT"],
                        "{role:?} filter {name}: {text}"
                    );
                    assert!(
                        r["data"].is_null() || r["data"]["cases"].is_null(),
                        "{role:?} {name}: no data"
                    );
                }
                May::OwnAgency | May::All => {
                    assert!(r["errors"].is_null(), "{role:?} {name}: {text}");
                    let nodes = r["data"]["cases"]["nodes"].as_array().unwrap();
                    let found = nodes.iter().any(|n| n["id"] == *hq_case);
                    let own_hq = agency == Some("HQ");
                    assert_eq!(
                        found,
                        may == May::All || own_hq,
                        "{role:?} {name} finds the HQ case?"
                    );
                    if may == May::OwnAgency {
                        for n in nodes {
                            assert_eq!(
                                n["leadAgency"]["code"].as_str(),
                                agency,
                                "narrowed to own cases"
                            );
                        }
                    }
                }
            }
        }
    }
}

#[tokio::test]
async fn every_role_and_tips() {
    let app = TestApp::spawn().await;
    for &role in Role::ALL {
        let (agency, commune) = home(role);
        let token = app.token(role, agency, commune);
        let informant = matrix(role, Comp::Informant) != May::No;
        let q = format!(
            "{{ tips(first: 100) {{ totalCount nodes {{ id content status assignedAgency {{ code }} {} }} }} }}",
            if informant {
                "reporterName reporterContact"
            } else {
                ""
            }
        );
        if !informant && tips_row(role).is_some() {
            // Never readable: not in the role's schema.
            let r = app
                .query(
                    Some(&token),
                    "{ tips(first: 1) { nodes { reporterName } } }",
                )
                .await;
            assert_eq!(
                r["errors"][0]["message"], "Unknown field \"reporterName\" on type \"Tip\".",
                "{role:?}: {r}"
            );
        }
        let r = app.query(Some(&token), &q).await;
        let Some(assigned_only) = tips_row(role) else {
            assert!(
                refusal_codes(&r)
                    .iter()
                    .all(|c| c == "FORBIDDEN" || c == "BAD_USER_INPUT"),
                "{role:?}: {r}"
            );
            assert!(r["data"].is_null() || r["data"]["tips"].is_null());
            continue;
        };
        let nodes = r["data"]["tips"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{role:?}: {r}"));
        assert!(!nodes.is_empty(), "{role:?} sees some tips");
        for (i, n) in nodes.iter().enumerate() {
            let assigned = n["assignedAgency"]["code"].as_str();
            if assigned_only {
                assert_eq!(assigned, agency, "{role:?} sees only tips assigned to it");
            }
            for field in ["reporterName", "reporterContact"] {
                if !informant {
                    break;
                }
                let path = [json!("tips"), json!("nodes"), json!(i), json!(field)];
                let errs = errors_at(&r, &path);
                let own = assigned.is_some() && assigned == agency;
                if allowed(matrix(role, Comp::Informant), own) {
                    assert!(errs.is_empty(), "{role:?} {field}");
                } else {
                    assert!(n[field].is_null(), "{role:?} must not read {field}");
                    assert_eq!(errs.len(), 1, "{role:?} {field}: FORBIDDEN at path ({r})");
                    assert_eq!(errs[0]["extensions"]["code"], "FORBIDDEN");
                }
            }
        }
    }
}

#[tokio::test]
async fn introspection_hides_what_a_role_can_never_read() {
    let app = TestApp::spawn().await;
    let q = "{ __schema { types { name fields { name } inputFields { name } } } }";
    let police_words = [
        "Subject",
        "InvestigationRecord",
        "subjects",
        "investigation",
        "subjectName",
        "subjectIdNumber",
    ];
    let customs_words = [
        "CustomsRecord",
        "customsRecords",
        "hsCode",
        "declarationNumber",
        "importerTaxCode",
    ];
    let informant_words = ["reporterName", "reporterContact"];
    for &role in Role::ALL {
        let token = app.token_for(role);
        let r = app.query(Some(&token), q).await;
        let mut names = std::collections::HashSet::new();
        for t in r["data"]["__schema"]["types"]
            .as_array()
            .unwrap_or_else(|| panic!("{r}"))
        {
            names.insert(t["name"].as_str().unwrap().to_string());
            // A tip's sender's fields are every sender's to fill in (`NewTipInput`), not
            // read: shown to all, and checked below.
            let inputs = match t["name"].as_str() {
                Some("NewTipInput") => None,
                _ => t["inputFields"].as_array(),
            };
            for f in t["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(inputs.into_iter().flatten())
            {
                names.insert(f["name"].as_str().unwrap().to_string());
            }
        }
        for (words, comp) in [
            (&police_words[..], Comp::Police),
            (&customs_words[..], Comp::Customs),
            (&informant_words[..], Comp::Informant),
        ] {
            let ever = matrix(role, comp) != May::No;
            for w in words {
                assert_eq!(
                    names.contains(*w),
                    ever,
                    "{role:?} introspection shows `{w}`?"
                );
            }
        }
        if role == Role::Press {
            for w in ["Case", "Tip", "cases", "tips", "Directive"] {
                assert!(!names.contains(w), "press introspection shows {w}");
            }
            assert!(names.contains("publishedCases"));
        }
    }
}

#[tokio::test]
async fn press_reads_approved_publications_without_restricted_data() {
    let app = TestApp::spawn().await;
    let press = app.token_for(Role::Press);
    let r = ok(app.query(Some(&press), "{ publishedCases(first: 100) { nodes { id headline body publishedAt violationType commodityGroup detectedOn fineAmount goodsValue communeName leadAgencyName status } } }").await);
    let nodes = r["data"]["publishedCases"]["nodes"].as_array().unwrap();
    assert!(!nodes.is_empty());
    // Every published one is approved (checked through the standing office's view).
    let so = app.token_for(Role::StandingOffice);
    let all = app
        .query(
            Some(&so),
            "{ publications(first: 100) { nodes { id status } } }",
        )
        .await;
    let approved: Vec<&Value> = all["data"]["publications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == "APPROVED")
        .collect();
    assert_eq!(
        approved.len(),
        nodes.len(),
        "publishedCases = approved publications"
    );
    assert!(
        all["data"]["publications"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["status"] != "APPROVED")
    );
    // No subject name, ID number or tax code appears in what the press reads.
    let police = app.token_for(Role::Police);
    let mut after = Value::Null;
    let text = api::text::fold(&r.to_string());
    loop {
        let s = app.gql(Some(&police), "query($a: String) { cases(first: 100, after: $a) { pageInfo { hasNextPage endCursor } nodes { subjects { fullName idNumber taxCode } } } }", json!({ "a": after })).await;
        for n in s["data"]["cases"]["nodes"].as_array().unwrap() {
            for subj in n["subjects"].as_array().unwrap() {
                for k in ["fullName", "idNumber", "taxCode"] {
                    if let Some(v) = subj[k].as_str() {
                        assert!(
                            !text.contains(&api::text::fold(v)),
                            "press output contains a subject's {k}"
                        );
                    }
                }
            }
        }
        if !s["data"]["cases"]["pageInfo"]["hasNextPage"]
            .as_bool()
            .unwrap()
        {
            break;
        }
        after = s["data"]["cases"]["pageInfo"]["endCursor"].clone();
    }
    // The press may not read drafts, cases, tips or directives.
    for q in [
        "{ publications { nodes { id } } }",
        "{ cases { totalCount } }",
        "{ directives { nodes { id } } }",
        "{ tips { totalCount } }",
    ] {
        let r = app.query(Some(&press), q).await;
        assert!(
            !refusal_codes(&r).is_empty() && r["data"].is_null(),
            "press: {q} → {r}"
        );
    }
}

/// A record of a compartment the viewer does not read on its case is answered, by every write
/// that names it, as one that does not exist: `FORBIDDEN` there told an agency which ids of
/// other agencies' police records exist, and when new ones appeared (stop 31's review).
#[tokio::test]
async fn hidden_records_are_not_found_for_writes() {
    let app = TestApp::spawn().await;
    let [police, officer] = app.tokens_for([Role::Police, Role::Officer]);
    let case = app
        .create_case(&police, hub389_tests::minimal_case("Vụ của công an"))
        .await;
    let person = json!({ "kind": "PERSON", "role": "CARRIER", "fullName": "Nguyễn Văn A" });
    let r = ok(app
        .gql(
            Some(&police),
            hub389_tests::docs::ADD_SUBJECT,
            json!({ "case": case, "input": person }),
        )
        .await);
    let subject = r["data"]["addSubject"]["id"].clone();
    let update = "mutation($id: ID!) { updateSubject(id: $id, version: 1,
        input: { kind: PERSON, role: CARRIER, fullName: \"Trần Thị B\" }) { id } }";
    let archive = "mutation($id: ID!) {
        setCaseRecordArchived(kind: SUBJECT, id: $id, version: 1, archived: true) }";
    // The officer's agency is then in the directory's cache, so both answers below find it
    // there alike.
    ok(app.query(Some(&officer), "{ me { role } }").await);
    for q in [update, archive] {
        app.reset_statements();
        let hidden = app.gql(Some(&officer), q, json!({ "id": subject })).await;
        let hidden_statements = app.statement_texts();
        app.reset_statements();
        let missing = app.gql(Some(&officer), q, json!({ "id": "999999" })).await;
        assert_eq!(refusal_codes(&hidden), ["NOT_FOUND"], "{hidden}");
        assert_eq!(
            hidden["errors"][0]["message"], missing["errors"][0]["message"],
            "{hidden} {missing}"
        );
        // And the same work: a hidden record once cost a second statement (its case), so
        // the time of the answer told it from a missing one.
        assert_eq!(hidden_statements, app.statement_texts());
    }
    // The police, who read the compartment, still write it.
    ok(app
        .gql(Some(&police), archive, json!({ "id": subject }))
        .await);
}

/// A publication, a periodic report or (for a commune user) a task the writer does not read is
/// answered, by the writes that name it, as a missing id: same code, same message, same
/// statements. `FORBIDDEN` there let anyone count other agencies' drafts and reports (the ids
/// are dense) and watch new ones appear (stop 32's review).
#[tokio::test]
async fn rows_out_of_the_writers_scope_are_not_found() {
    use api::graphql::ids::{NodeKind, global_id};
    use entity::{periodic_reports, publications, task_coordinators, tasks};
    use sea_orm::sea_query::ExprTrait;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let app = TestApp::spawn().await;
    let db = &app.db;
    let agency = async |code: &str| {
        entity::agencies::Entity::find()
            .filter(entity::agencies::Column::Code.eq(code))
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let (hq, commune_agency) = (agency("HQ").await, agency("UBND_DONG_DANG").await);
    let ca = agency("CA").await;
    // Another agency's publication, another agency's report, and a task the commune's
    // agency neither leads nor coordinates.
    let publication = publications::Entity::find()
        .filter(publications::Column::DraftedByAgencyId.is_not_in([hq, ca]))
        .filter(
            publications::Column::ReviewAgencyId
                .is_not_in([hq, ca])
                .or(publications::Column::ReviewAgencyId.is_null()),
        )
        .one(&app.db)
        .await
        .unwrap()
        .expect("the demo has publications");
    let report = periodic_reports::Entity::find()
        .filter(periodic_reports::Column::AgencyId.ne(hq))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the demo has reports");
    let coordinated: Vec<i64> = task_coordinators::Entity::find()
        .filter(task_coordinators::Column::AgencyId.eq(commune_agency))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.task_id)
        .collect();
    let task = tasks::Entity::find()
        .filter(tasks::Column::LeadAgencyId.ne(commune_agency))
        .filter(tasks::Column::Id.is_not_in(coordinated))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the demo has tasks");

    let [customs, commune, police] = app.tokens_for([Role::Customs, Role::Commune, Role::Police]);
    let gid = |kind, id| json!(global_id(kind, id).to_string());
    let fix = json!([{ "group": "SMUGGLING_AND_PROHIBITED", "field": "FINES", "value": 1 }]);
    let cases = [
        (
            &customs,
            "mutation($id: ID!) { withdrawPublication(id: $id, version: 1) { id } }",
            NodeKind::Publication,
            publication.id,
            json!({}),
        ),
        // The police reject a text they were asked to review (customs cannot reject any).
        (
            &police,
            "mutation($id: ID!) { rejectPublication(id: $id, version: 1, reason: \"x\") { id } }",
            NodeKind::Publication,
            publication.id,
            json!({}),
        ),
        (
            &customs,
            "mutation($id: ID!, $c: [ReportCorrectionInput!]!) {
                correctReport(id: $id, version: 1, corrections: $c, reason: \"x\") { id } }",
            NodeKind::PeriodicReport,
            report.id,
            json!({ "c": fix }),
        ),
        (
            &commune,
            "mutation($id: ID!) { postTaskUpdate(taskId: $id, note: \"x\") { id } }",
            NodeKind::Task,
            task.id,
            json!({}),
        ),
        (
            &commune,
            "mutation($id: ID!) { completeTask(id: $id, version: 1) { id } }",
            NodeKind::Task,
            task.id,
            json!({}),
        ),
    ];
    // Each viewer's agency is then in the directory's cache, so both answers find it alike.
    for token in [&customs, &commune, &police] {
        ok(app.query(Some(token), "{ me { role } }").await);
    }
    for (token, doc, kind, row, extra) in cases {
        let vars = |id: i64| {
            let mut v = extra.clone();
            v["id"] = gid(kind, id);
            v
        };
        app.reset_statements();
        let hidden = app.gql(Some(token), doc, vars(row)).await;
        let hidden_statements = app.statement_texts();
        app.reset_statements();
        let missing = app.gql(Some(token), doc, vars(999_999)).await;
        assert_eq!(refusal_codes(&hidden), ["NOT_FOUND"], "{doc}: {hidden}");
        assert_eq!(
            hidden["errors"][0]["message"], missing["errors"][0]["message"],
            "{doc}: {hidden} {missing}"
        );
        assert_eq!(hidden_statements, app.statement_texts(), "{doc}");
    }
    // A role that writes no case records is refused before anything is read: the same
    // answer for a seizure and a missing id.
    let seizure = entity::seizures::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .expect("the demo has seizures");
    for doc in [
        "mutation($id: ID!) { setDisposalStatus(id: $id, version: 1, status: CONFISCATED) { id } }",
        "mutation($id: ID!) { setCaseRecordArchived(kind: SEIZURE, id: $id, version: 1, archived: true) }",
    ] {
        let answer = async |id: i64| {
            let r = app
                .gql(Some(&commune), doc, json!({ "id": id.to_string() }))
                .await;
            (refusal_codes(&r), r["errors"][0]["message"].clone())
        };
        let (hidden, missing) = (answer(seizure.id).await, answer(999_999).await);
        assert_eq!(hidden.0, ["FORBIDDEN"], "{doc}");
        assert_eq!(hidden, missing, "{doc}");
    }
}
