//! Approval groups: the A11 list with its filters, A10 one group with its users, A8 create and
//! edit (the user list replaces the old one; an edit without one is refused), A9 replace the
//! users, A12 delete (refused while a step uses the group), and what the journal shows.

use edi_sandbox::EDIN_OTHER_EMAIL;
use reqwest::Method;
use serde_json::{Value, json};

use super::{
    GROUP, GROUP_USERS, GROUPS, Query, assert_empty_200, call, delete_step, demo_sid, ids, reply,
    save_step,
};
use crate::helpers::{Upstream, start};

async fn list_groups(up: &Upstream, sid: &str, query: Query<'_>) -> (u16, Value) {
    reply(call(up, Method::GET, GROUPS, query, Some(sid), None).await).await
}

async fn get_group(up: &Upstream, sid: &str, query: Query<'_>) -> (u16, Value) {
    reply(call(up, Method::GET, GROUP, query, Some(sid), None).await).await
}

async fn save_group(up: &Upstream, sid: &str, body: Value) -> (u16, Value) {
    reply(call(up, Method::POST, GROUP, &[], Some(sid), Some(body)).await).await
}

async fn patch_users(up: &Upstream, sid: &str, body: Value) -> (u16, Value) {
    reply(call(up, Method::PATCH, GROUP_USERS, &[], Some(sid), Some(body)).await).await
}

async fn delete_group(up: &Upstream, sid: &str, id: &str) -> reqwest::Response {
    call(
        up,
        Method::DELETE,
        GROUP,
        &[("agreement_group_id", id)],
        Some(sid),
        None,
    )
    .await
}

fn user_ids(group: &Value) -> Vec<i64> {
    ids(&group["users"], "userId")
}

#[tokio::test]
async fn the_group_list_filters_by_company_name_and_limit() {
    let up = start().await;
    let sid = demo_sid(&up);
    let (status, all) = list_groups(&up, &sid, &[]).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(
        ids(&all, "groupId"),
        [520_101, 520_102, 520_103, 520_111, 136],
        "the demo user's two companies, in seed order (136: the docs' example group)"
    );
    let first = &all[0];
    assert_eq!(
        first,
        &json!({
            "users": [],
            "groupId": 520_101,
            "companyId": 104_201,
            "company": first["company"].clone(),
            "groupName": "Бухгалтерія",
            "comment": "Головний бухгалтер і заступниця",
        }),
        "list items leave users empty; A10 fills them"
    );
    assert_eq!(first["company"]["name"], "ТОВ «Ромашка-Україна»");
    assert_eq!(all[1]["comment"], Value::Null);

    let cases: [(Query, &[i64]); 5] = [
        (&[("company_id", "104202")], &[520_111]),
        (&[("search_pattern", "ВІДДІЛ")], &[520_102]),
        (&[("search_pattern", "ер")], &[520_101, 520_103]),
        (&[("limit", "2")], &[520_101, 520_102]),
        (
            &[("company_id", "104201"), ("limit", "30")],
            &[520_101, 520_102, 520_103, 136],
        ),
    ];
    for (query, expected) in cases {
        let (status, body) = list_groups(&up, &sid, query).await;
        assert_eq!(status, 200, "{query:?}");
        assert_eq!(ids(&body, "groupId"), expected, "{query:?}");
    }
    let (status, body) = list_groups(&up, &sid, &[("company_id", "104305")]).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (403, Some("Access to company 104305 is denied"))
    );
    for bad in [
        ("limit", "0"),
        ("limit", "-3"),
        ("limit", "many"),
        ("company_id", "x"),
    ] {
        assert_eq!(list_groups(&up, &sid, &[bad]).await.0, 400, "{bad:?}");
    }
    let other = up.sb.issue_edin_session(EDIN_OTHER_EMAIL).expect("other");
    let (_, theirs) = list_groups(&up, &other, &[]).await;
    assert_eq!(ids(&theirs, "groupId"), [520_201]);
}

#[tokio::test]
async fn one_group_comes_with_its_users() {
    let up = start().await;
    let sid = demo_sid(&up);
    let (status, g) = get_group(&up, &sid, &[("agreement_group_id", "520101")]).await;
    assert_eq!(status, 200, "{g}");
    assert_eq!(g["groupId"], 520_101);
    assert_eq!(g["companyId"], 104_201);
    assert_eq!(g["company"]["companyId"], 104_201);
    assert_eq!(g["groupName"], "Бухгалтерія");
    assert_eq!(user_ids(&g), [310_003, 310_005]);
    assert_eq!(g["users"][0]["fio"], "Бондаренко Ірина Василівна");
    assert_eq!(g["users"][0]["email"], "i.bondarenko@romashka.example.com");
    assert!(g["users"][0].get("password").is_none());

    let cases: [(Query, u16, &str); 4] = [
        (
            &[("agreement_group_id", "999999")],
            404,
            "Agreement group 999999 not found",
        ),
        (
            &[("agreement_group_id", "520201")],
            403,
            "Access to company 104305 is denied",
        ),
        (&[], 400, "Parameter 'agreement_group_id' is required"),
        (
            &[("agreement_group_id", "abc")],
            400,
            "Parameter 'agreement_group_id' is not a valid number: 'abc'",
        ),
    ];
    for (query, status, message) in cases {
        let (got, body) = get_group(&up, &sid, query).await;
        assert_eq!((got, body["message"].as_str()), (status, Some(message)));
    }
}

#[tokio::test]
async fn groups_are_created_and_an_edit_replaces_the_user_list() {
    let up = start().await;
    let sid = demo_sid(&up);
    // Create, as api.md §3 A8 lists it: companyId, groupName, comment.
    let (status, created) = save_group(
        &up,
        &sid,
        json!({"companyId": 104_201, "groupName": "Логістика", "comment": "Склад і доставка"}),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(
        created,
        json!({
            "users": [],
            "groupId": 520_202,
            "companyId": 104_201,
            "company": created["company"].clone(),
            "groupName": "Логістика",
            "comment": "Склад і доставка",
        })
    );
    assert_eq!(created["company"]["code"], "41728397");
    // A create may carry users too (numbers as strings, `companyId` as a string).
    let (status, second) = save_group(
        &up,
        &sid,
        json!({"companyId": "104201", "groupName": "Закупівлі", "users": [{"userId": "310004"}]}),
    )
    .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["groupId"], 520_203);
    assert_eq!(user_ids(&second), [310_004]);
    assert_eq!(second["comment"], Value::Null);

    // Edit: the list replaces the previous one; name and comment stay when not given.
    let (status, edited) = save_group(
        &up,
        &sid,
        json!({"groupId": 520_202, "users": [{"userId": 310_005}, {"userId": 310_002}]}),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(user_ids(&edited), [310_005, 310_002]);
    assert_eq!(edited["groupName"], "Логістика");
    assert_eq!(edited["comment"], "Склад і доставка");
    let (_, edited) = save_group(
        &up,
        &sid,
        json!({"groupId": 520_202, "companyId": 104_201, "groupName": "Логістика і склад",
               "comment": "", "users": [{"userId": 310_003, "fio": "ignored"}]}),
    )
    .await;
    assert_eq!(user_ids(&edited), [310_003], "replaced, not added to");
    assert_eq!(edited["groupName"], "Логістика і склад");
    assert_eq!(edited["comment"], "");
    // An empty list, given on purpose, empties the group.
    let (_, emptied) = save_group(&up, &sid, json!({"groupId": 520_202, "users": []})).await;
    assert_eq!(emptied["users"], json!([]));

    // The list and A10 see the changes; so does the handle.
    let (_, all) = list_groups(&up, &sid, &[("company_id", "104201")]).await;
    assert_eq!(
        ids(&all, "groupId"),
        [520_101, 520_102, 520_103, 136, 520_202, 520_203]
    );
    let (_, one) = get_group(&up, &sid, &[("agreement_group_id", "520203")]).await;
    assert_eq!(user_ids(&one), [310_004]);
    let g = up.sb.edin_group(520_202).expect("created");
    assert_eq!(
        (g.name.as_str(), g.user_ids.len()),
        ("Логістика і склад", 0)
    );
    assert_eq!(up.sb.edin_groups(104_201).len(), 6);
    // The seed is what the sandbox started with.
    assert_eq!(up.sb.seed().edin_group_ids(104_201).len(), 4);
}

#[tokio::test]
async fn an_edit_without_a_user_list_is_refused_and_changes_nothing() {
    let up = start().await;
    let sid = demo_sid(&up);
    for body in [
        json!({"groupId": 520_101, "groupName": "Фінанси"}),
        json!({"groupId": 520_101, "groupName": "Фінанси", "users": null}),
    ] {
        let (status, reply) = save_group(&up, &sid, body.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(
            reply["message"],
            "'users' is required when editing a group: the list replaces the previous one"
        );
    }
    let (_, g) = get_group(&up, &sid, &[("agreement_group_id", "520101")]).await;
    assert_eq!(g["groupName"], "Бухгалтерія");
    assert_eq!(user_ids(&g), [310_003, 310_005]);
}

#[tokio::test]
async fn group_bodies_are_validated() {
    let up = start().await;
    let sid = demo_sid(&up);
    let cases: [(Value, u16, &str); 13] = [
        (
            json!({"groupName": "Без компанії"}),
            400,
            "'companyId' is required",
        ),
        (
            json!({"companyId": 104_201}),
            400,
            "'groupName' is required",
        ),
        (
            json!({"companyId": 104_201, "groupName": "  "}),
            400,
            "'groupName' must not be empty",
        ),
        (
            json!({"companyId": 104_305, "groupName": "Чужа"}),
            403,
            "Access to company 104305 is denied",
        ),
        (
            json!({"companyId": 104_201, "groupName": "Х", "users": [{"userId": 310_011}]}),
            400,
            "User 310011 is not a user of company 104201",
        ),
        (
            json!({"groupId": 520_111, "users": [{"userId": 310_002}]}),
            400,
            "User 310002 is not a user of company 104202",
        ),
        (
            json!({"groupId": 520_101, "users": [{"userId": 999}]}),
            400,
            "User 999 is not a user of company 104201",
        ),
        (
            json!({"groupId": 520_101, "users": [{"userId": 310_002}, {"userId": "310002"}]}),
            400,
            "User 310002 is given twice in users",
        ),
        (
            json!({"groupId": 520_101, "users": [{"email": "demo@example.com"}]}),
            400,
            "'users[0].userId' is required",
        ),
        (
            json!({"groupId": 999_999, "users": []}),
            404,
            "Agreement group 999999 not found",
        ),
        (
            json!({"groupId": 520_201, "users": []}),
            403,
            "Access to company 104305 is denied",
        ),
        (
            json!({"groupId": 520_101, "companyId": 104_202, "users": []}),
            400,
            "Agreement group 520101 belongs to company 104201, not 104202",
        ),
        (
            json!({"groupId": 520_101, "users": {"userId": 310_002}}),
            400,
            "",
        ),
    ];
    for (body, status, message) in cases {
        let (got, reply) = save_group(&up, &sid, body.clone()).await;
        assert_eq!(got, status, "{body}: {reply}");
        if !message.is_empty() {
            assert_eq!(reply["message"], message, "{body}");
        }
    }
    let r = up
        .client
        .post(up.url(GROUP))
        .header("cookie", format!("SID={sid}"))
        .body("groupName=x")
        .send()
        .await
        .expect("request");
    assert_eq!(reply(r).await.0, 400);
    // Nothing changed.
    assert_eq!(up.sb.edin_groups(104_201).len(), 4);
    assert_eq!(
        up.sb.edin_group(520_101).expect("seeded").user_ids,
        [310_003, 310_005]
    );
}

#[tokio::test]
async fn patch_replaces_a_groups_users() {
    let up = start().await;
    let sid = demo_sid(&up);
    let (status, g) = patch_users(
        &up,
        &sid,
        json!({"groupId": 520_101, "users": [{"userId": 310_002}, {"userId": 310_001}]}),
    )
    .await;
    assert_eq!(status, 200, "{g}");
    assert_eq!(user_ids(&g), [310_002, 310_001]);
    assert_eq!(g["groupName"], "Бухгалтерія", "only the users change");
    assert_eq!(g["comment"], "Головний бухгалтер і заступниця");
    let (_, g) = patch_users(&up, &sid, json!({"groupId": "520101", "users": []})).await;
    assert_eq!(g["users"], json!([]));

    let cases: [(Value, u16, &str); 6] = [
        (json!({"groupId": 520_101}), 400, "'users' is required"),
        (json!({"users": []}), 400, "'groupId' is required"),
        (
            json!({"groupId": 0, "users": []}),
            400,
            "'groupId' is required",
        ),
        (
            json!({"groupId": 999_999, "users": []}),
            404,
            "Agreement group 999999 not found",
        ),
        (
            json!({"groupId": 520_201, "users": []}),
            403,
            "Access to company 104305 is denied",
        ),
        (
            json!({"groupId": 520_102, "users": [{"userId": 310_012}]}),
            400,
            "User 310012 is not a user of company 104201",
        ),
    ];
    for (body, status, message) in cases {
        let (got, reply) = patch_users(&up, &sid, body.clone()).await;
        assert_eq!((got, reply["message"].as_str()), (status, Some(message)));
    }
    assert_eq!(
        up.sb.edin_group(520_102).expect("seeded").user_ids,
        [310_002, 310_004]
    );
}

#[tokio::test]
async fn steps_show_a_groups_members_as_they_are_now() {
    let up = start().await;
    let sid = demo_sid(&up);
    let proc_id = up.sb.seed().edin_process_id();
    patch_users(
        &up,
        &sid,
        json!({"groupId": 520_102, "users": [{"userId": 310_005}]}),
    )
    .await;
    save_group(
        &up,
        &sid,
        json!({"groupId": 520_102, "groupName": "Юристи", "users": [{"userId": 310_004}]}),
    )
    .await;
    // Removing step 840002 answers with the process: step 840001 names group 520102.
    let (_, p) = delete_step(
        &up,
        &sid,
        &[
            ("agreement_proc_id", &proc_id.to_string()),
            ("agreement_step_id", "840002"),
        ],
    )
    .await;
    let step = &p["agrementSteps"][0];
    assert_eq!(step["groupNames"], "Юристи");
    assert_eq!(step["userIds"], json!([310_004]));
    assert_eq!(step["agreementGroups"][0]["users"][0]["userId"], 310_004);
}

#[tokio::test]
async fn a_new_group_serves_in_steps_of_its_own_company_only() {
    let up = start().await;
    let sid = demo_sid(&up);
    let proc_id = up.sb.seed().edin_process_id();
    let (_, created) = save_group(
        &up,
        &sid,
        json!({"companyId": 104_201, "groupName": "Каса", "users": [{"userId": 310_003}]}),
    )
    .await;
    let new_id = created["groupId"].as_i64().expect("id");
    let step = |group: i64| {
        json!({"agreementProcId": proc_id, "agreementTaskType": 3, "agreementExecType": 2,
               "agreementGroups": [{"groupId": group}]})
    };
    let (status, p) = save_step(&up, &sid, step(new_id)).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["agrementSteps"][2]["groupNames"], "Каса");
    // «Склад» is the demo user's too, but of ПрАТ «Дніпровський млин», not the process's company.
    let (status, body) = save_step(&up, &sid, step(520_111)).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (
            400,
            Some("Group 520111 is not an agreement group of company 104201")
        )
    );
}

#[tokio::test]
async fn deleting_a_group_a_step_uses_is_409_until_the_step_is_gone() {
    let up = start().await;
    let sid = demo_sid(&up);
    let proc_id = up.sb.seed().edin_process_id();
    // An unused group goes: 200, no body.
    assert_empty_200(delete_group(&up, &sid, "520101").await).await;
    let (status, _) = get_group(&up, &sid, &[("agreement_group_id", "520101")]).await;
    assert_eq!(status, 404);
    let (_, all) = list_groups(&up, &sid, &[("company_id", "104201")]).await;
    assert_eq!(ids(&all, "groupId"), [520_102, 520_103, 136]);
    assert!(up.sb.edin_group(520_101).is_none());
    // A step can no longer name it.
    let (status, _) = save_step(
        &up,
        &sid,
        json!({"agreementProcId": proc_id, "agreementTaskType": 1, "agreementExecType": 1,
               "agreementGroups": [{"groupId": 520_101}]}),
    )
    .await;
    assert_eq!(status, 400);

    // 520102 is named by step 840001 of the seeded process.
    let (status, body) = reply(delete_group(&up, &sid, "520102").await).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (
            409,
            Some("Agreement group 520102 is used by step 840001 of agreement process 730001")
        )
    );
    assert!(up.sb.edin_group(520_102).is_some(), "nothing changed");
    let (status, _) = delete_step(
        &up,
        &sid,
        &[
            ("agreement_proc_id", &proc_id.to_string()),
            ("agreement_step_id", "840001"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_empty_200(delete_group(&up, &sid, "520102").await).await;

    let cases: [(&str, u16); 4] = [
        ("520101", 404),
        ("520201", 403),
        ("999999", 404),
        ("x", 400),
    ];
    for (id, expected) in cases {
        assert_eq!(
            reply(delete_group(&up, &sid, id).await).await.0,
            expected,
            "{id}"
        );
    }
    let r = call(&up, Method::DELETE, GROUP, &[], Some(&sid), None).await;
    assert_eq!(reply(r).await.0, 400);
}

#[tokio::test]
async fn group_calls_are_journaled_with_their_query_and_body() {
    let up = start().await;
    let sid = demo_sid(&up);
    list_groups(
        &up,
        &sid,
        &[("company_id", "104201"), ("search_pattern", "відділ")],
    )
    .await;
    get_group(&up, &sid, &[("agreement_group_id", "520103")]).await;
    let body = json!({"companyId": 104_201, "groupName": "Нова", "users": [{"userId": 310_002}]});
    save_group(&up, &sid, body.clone()).await;
    patch_users(&up, &sid, json!({"groupId": 520_202, "users": []})).await;
    delete_group(&up, &sid, "520202").await;
    delete_group(&up, &sid, "520103").await;
    up.assert_journal(&[
        ("GET", GROUPS, 200),
        ("GET", GROUP, 200),
        ("POST", GROUP, 200),
        ("PATCH", GROUP_USERS, 200),
        ("DELETE", GROUP, 200),
        ("DELETE", GROUP, 409),
    ]);
    let journal = up.sb.journal();
    assert_eq!(journal[0].query_param("search_pattern"), Some("відділ"));
    assert_eq!(journal[1].query_param("agreement_group_id"), Some("520103"));
    let sent: Value = serde_json::from_slice(&journal[2].body).expect("JSON");
    assert_eq!(sent, body);
    assert_eq!(journal[2].header("content-type"), Some("application/json"));
    assert!(
        journal
            .iter()
            .all(|e| e.cookie("SID") == Some(sid.as_str()))
    );
    assert_eq!(journal[4].query_param("agreement_group_id"), Some("520202"));
}
