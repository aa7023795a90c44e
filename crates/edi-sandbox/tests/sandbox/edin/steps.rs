//! Approval steps: A1 create and edit (the documented example, renumbering by priority,
//! validation), A2 delete, and company checks.

use edi_sandbox::{EDIN_DEMO_EMAIL, EDIN_OTHER_EMAIL};
use serde_json::{Value, json};

use super::{Query, delete_step, demo_sid, ids, save_step};
use crate::helpers::start;

#[tokio::test]
async fn steps_take_the_documented_example_shape_and_answer_in_numbers() {
    let up = start().await;
    let sid = demo_sid(&up);
    let seed = up.sb.seed();
    let proc_id = seed.edin_process_id();
    let groups = seed.edin_group_ids(seed.edin_demo_company_id());
    assert_eq!(groups, [520_101, 520_102, 520_103, 136]);
    // As api.md §5.1's example sends it: types as strings, nulls, stepNumber 0, groupId only.
    let (status, p) = save_step(
        &up,
        &sid,
        json!({
            "agreementGroups": [{"groupId": groups[0], "groupName": "Бухгалтерія"}],
            "agreementExecType": "1",
            "agreementTaskType": "3",
            "agreementExecPeriod": null,
            "agreementStepPriority": null,
            "agreementProcId": proc_id,
            "stepNumber": 0
        }),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert!(p.get("agreementSteps").is_none(), "spelled agrementSteps");
    assert_eq!(p["agreementProcId"], proc_id);
    let steps = p["agrementSteps"].as_array().expect("steps");
    assert_eq!(
        ids(&p["agrementSteps"], "agreementStepId"),
        [840_001, 840_002, 840_003]
    );
    let new = &steps[2];
    let demo = seed.edin_user_id(EDIN_DEMO_EMAIL).expect("demo");
    assert_eq!(demo, 310_001);
    assert_eq!(
        new,
        &json!({
            "agreementGroups": [{
                "users": new["agreementGroups"][0]["users"].clone(),
                "groupId": 520_101,
                "companyId": 104_201,
                "groupName": "Бухгалтерія",
            }],
            "agreementStepId": 840_003,
            "agreementProcId": proc_id,
            "agreementTaskType": 3,
            "agreementExecType": 1,
            "agreementExecPeriod": 0,
            "agreementStepPriority": 0,
            "stepNumber": 3,
            "groupNames": "Бухгалтерія",
            "userIds": [310_003, 310_005],
        })
    );
    let user = &new["agreementGroups"][0]["users"][0];
    assert_eq!(user["userId"], 310_003);
    assert_eq!(user["fio"], "Бондаренко Ірина Василівна");
    assert!(user.get("password").is_none());
    // The seeded steps, in order.
    let first = &steps[0];
    assert_eq!(
        (
            &first["stepNumber"],
            &first["agreementTaskType"],
            &first["agreementExecType"],
            &first["agreementExecPeriod"],
            &first["agreementStepPriority"],
            &first["groupNames"],
        ),
        (
            &json!(1),
            &json!(1),
            &json!(2),
            &json!(3),
            &json!(10),
            &json!("Юридичний відділ")
        )
    );
    assert_eq!(steps[1]["groupNames"], "Керівництво");
    assert_eq!(steps[1]["stepNumber"], 2);
    assert_eq!(steps[1]["userIds"], json!([demo]));
}

#[tokio::test]
async fn editing_a_step_renumbers_by_priority() {
    let up = start().await;
    let sid = demo_sid(&up);
    let proc_id = up.sb.seed().edin_process_id();
    // The signing step (priority 5, number 2) gets priority 20 and two groups (`groupID`, as
    // api.md §5.2's table spells it, and as a string).
    let (status, p) = save_step(
        &up,
        &sid,
        json!({
            "agreementStepId": 840_002,
            "agreementProcId": proc_id,
            "agreementTaskType": 2,
            "agreementExecType": 2,
            "agreementExecPeriod": 5,
            "agreementStepPriority": 20,
            "agreementGroups": [{"groupID": 520_103}, {"groupId": "520101"}],
        }),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(
        ids(&p["agrementSteps"], "agreementStepId"),
        [840_002, 840_001]
    );
    let edited = &p["agrementSteps"][0];
    assert_eq!(edited["stepNumber"], 1);
    assert_eq!(edited["agreementExecType"], 2);
    assert_eq!(edited["agreementExecPeriod"], 5);
    assert_eq!(edited["groupNames"], "Керівництво, Бухгалтерія");
    assert_eq!(edited["userIds"], json!([310_001, 310_003, 310_005]));
    assert_eq!(p["agrementSteps"][1]["stepNumber"], 2);
    // Same priority: creation order decides.
    let (_, p) = save_step(
        &up,
        &sid,
        json!({"agreementProcId": proc_id, "agreementTaskType": 1, "agreementExecType": 1,
               "agreementStepPriority": 10, "agreementGroups": [{"groupId": 520_101}]}),
    )
    .await;
    assert_eq!(
        ids(&p["agrementSteps"], "agreementStepId"),
        [840_002, 840_001, 840_003]
    );
    let (status, body) = save_step(
        &up,
        &sid,
        json!({"agreementStepId": 999_999, "agreementProcId": proc_id, "agreementTaskType": 1,
               "agreementExecType": 1, "agreementGroups": [{"groupId": 520_101}]}),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        body["message"],
        format!("Agreement process {proc_id} has no step 999999")
    );
}

#[tokio::test]
async fn deleting_a_step_renumbers_the_rest() {
    let up = start().await;
    let sid = demo_sid(&up);
    let proc_id = up.sb.seed().edin_process_id().to_string();
    let (status, p) = delete_step(
        &up,
        &sid,
        &[
            ("agreement_proc_id", &proc_id),
            ("agreement_step_id", "840001"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(ids(&p["agrementSteps"], "agreementStepId"), [840_002]);
    assert_eq!(p["agrementSteps"][0]["stepNumber"], 1);
    assert_eq!(p["agreementProc2Docs"].as_array().map(Vec::len), Some(1));
    let cases: [(Query, u16); 5] = [
        (
            &[
                ("agreement_proc_id", &proc_id),
                ("agreement_step_id", "840001"),
            ],
            404,
        ),
        (
            &[
                ("agreement_proc_id", "999999"),
                ("agreement_step_id", "840002"),
            ],
            404,
        ),
        (
            &[("agreement_proc_id", "730004"), ("agreement_step_id", "1")],
            403,
        ),
        (&[("agreement_proc_id", &proc_id)], 400),
        (
            &[("agreement_proc_id", &proc_id), ("agreement_step_id", "x")],
            400,
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(delete_step(&up, &sid, query).await.0, expected, "{query:?}");
    }
}

#[tokio::test]
async fn step_bodies_are_validated() {
    let up = start().await;
    let sid = demo_sid(&up);
    let proc_id = up.sb.seed().edin_process_id();
    let step = |groups: Value| {
        json!({"agreementProcId": proc_id, "agreementTaskType": "1", "agreementExecType": "1",
               "agreementGroups": groups})
    };
    let six: Vec<Value> = (0..6).map(|i| json!({"groupId": 520_101 + i})).collect();
    let (status, body) = save_step(&up, &sid, step(Value::Array(six))).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "A step takes 1 to 5 agreementGroups, not 6"
    );
    let mut bad = vec![
        step(json!([])),
        step(json!([{"groupName": "Бухгалтерія"}])),
        step(json!([{"groupId": 520_201}])),
        step(json!([{"groupId": 999}])),
        step(json!([{"groupId": 520_101}, {"groupId": 520_101}])),
        json!({"agreementProcId": proc_id, "agreementTaskType": "1", "agreementExecType": "1"}),
        json!({"agreementTaskType": 1, "agreementExecType": 1, "agreementGroups": [{"groupId": 520_101}]}),
    ];
    for (field, value) in [
        ("agreementTaskType", json!(4)),
        ("agreementExecType", json!("3")),
        ("agreementExecPeriod", json!(-1)),
        ("agreementStepPriority", json!(-5)),
        ("agreementTaskType", json!("first")),
    ] {
        let mut s = step(json!([{"groupId": 520_101}]));
        s[field] = value;
        bad.push(s);
    }
    for body in bad {
        assert_eq!(save_step(&up, &sid, body.clone()).await.0, 400, "{body}");
    }
    // Nothing was added.
    let (_, p) = delete_step(
        &up,
        &sid,
        &[
            ("agreement_proc_id", &proc_id.to_string()),
            ("agreement_step_id", "840002"),
        ],
    )
    .await;
    assert_eq!(ids(&p["agrementSteps"], "agreementStepId"), [840_001]);
}

#[tokio::test]
async fn another_companys_process_is_403_and_an_unknown_one_404() {
    let up = start().await;
    let sid = demo_sid(&up);
    let step = |proc_id: i64, group: i64| {
        json!({"agreementProcId": proc_id, "agreementTaskType": 1, "agreementExecType": 1,
               "agreementGroups": [{"groupId": group}]})
    };
    let (status, body) = save_step(&up, &sid, step(730_004, 520_201)).await;
    assert_eq!(status, 403);
    assert_eq!(body["message"], "Access to company 104305 is denied");
    assert_eq!(save_step(&up, &sid, step(999_999, 520_101)).await.0, 404);
    // The other user can: the group is of their company.
    let other = up.sb.issue_edin_session(EDIN_OTHER_EMAIL).expect("other");
    let (status, p) = save_step(&up, &other, step(730_004, 520_201)).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["agrementSteps"][0]["groupNames"], "Відділ продажів");
}
