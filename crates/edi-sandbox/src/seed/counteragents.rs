//! Seeded counteragent lists: 250 on the first organization (so a walk gives pages of 100, 100
//! and 50), a dozen on the second, a few on the third, in mixed `CounteragentStatus`es, with
//! `LastEventTimestampTicks` between 2024 and 2026 (api.md, GetCounteragents, "Time values").

use edi_proto::diadoc::api::proto as dap;

use super::ids::{guid, hash128, index_key, ticks_from_unix};
use super::organizations;
use dap::CounteragentStatus as S;

/// 2024-01-01T00:00:00Z, Unix seconds.
const START_2024: i64 = 1_704_067_200;

/// Counteragents per own organization, index-aligned with `orgs`.
pub(crate) fn demo(orgs: &[dap::Organization]) -> Vec<Vec<dap::Counteragent>> {
    let generated = |range: std::ops::Range<usize>| range.map(organizations::counteragent);
    let mut lists: Vec<Vec<dap::Organization>> = vec![
        generated(0..250).collect(),
        generated(250..261).collect(),
        generated(261..265).collect(),
    ];
    // The organizations also know each other: ООО «Ромашка» is a partner of the other two.
    if let Some(first) = orgs.first() {
        let mut first = first.clone();
        first.departments.clear();
        lists[1].insert(0, first.clone());
        lists[2].push(first);
    }
    lists
        .into_iter()
        .enumerate()
        .map(|(o, list)| {
            list.into_iter()
                .enumerate()
                .map(|(k, org)| counteragent(o, k, org))
                .collect()
        })
        .collect()
}

/// A deterministic status mix: about 60 % partners, the rest invitations, rejections and
/// organizations that only exchanged documents. The first of each list is always a partner.
fn status(o: usize, k: usize) -> S {
    if k == 0 {
        return S::IsMyCounteragent;
    }
    match hash128(&format!("status-{o}-{k}")) % 100 {
        0..60 => S::IsMyCounteragent,
        60..72 => S::InvitesMe,
        72..82 => S::IsInvitedByMe,
        82..88 => S::RejectsMe,
        88..94 => S::IsRejectedByMe,
        _ => S::NotInCounteragentList,
    }
}

fn counteragent(o: usize, k: usize, mut organization: dap::Organization) -> dap::Counteragent {
    // api.md, GetCounteragents: `Organization.Departments` is always empty in this method.
    organization.departments.clear();
    let status = status(o, k);
    let pick = hash128(&format!("extra-{o}-{k}")) % 3 == 0;
    // Some invitations carry a document (BreakWithCounteragent answers 409 for them), and some
    // organizations outside the list work with a roaming operator (AcquireCounteragent: 409).
    let invitation_document_id =
        (pick && matches!(status, S::InvitesMe | S::IsInvitedByMe)).then(|| dap::DocumentId {
            message_id: guid(&format!("invitation-{o}-{k}")),
            entity_id: guid(&format!("invitation-{o}-{k}-entity")),
        });
    if pick && status == S::NotInCounteragentList {
        organization.is_roaming = Some(true);
    }
    let jitter = (hash128(&format!("ticks-{o}-{k}")) % 86_400) as i64;
    // Spread over 2024-01-01 … 2026-02 (about 3 days apart), with sub-second precision.
    let secs = START_2024 + (k as i64) * 3 * 86_400 + jitter;
    let ticks = ticks_from_unix(secs) + (hash128(&format!("frac-{o}-{k}")) % 10_000_000) as i64;
    dap::Counteragent {
        index_key: Some(index_key(
            k + 1,
            &format!("counteragent-{o}-{}", organization.org_id),
        )),
        current_status: Some(status as i32),
        last_event_timestamp_ticks: ticks,
        message_from_counteragent: (status == S::InvitesMe)
            .then(|| "Добрый день! Предлагаем обмениваться документами через Диадок.".to_owned()),
        message_to_counteragent: (status == S::IsInvitedByMe)
            .then(|| "Приглашаем к электронному документообороту.".to_owned()),
        organization,
        invitation_document_id,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_list_has_250_in_mixed_statuses() {
        let lists = demo(&[]);
        assert_eq!(lists[0].len(), 250);
        for s in [
            S::IsMyCounteragent,
            S::InvitesMe,
            S::IsInvitedByMe,
            S::RejectsMe,
            S::IsRejectedByMe,
            S::NotInCounteragentList,
        ] {
            assert!(
                lists[0].iter().any(|c| c.current_status == Some(s as i32)),
                "{s:?}"
            );
        }
        let mut keys: Vec<_> = lists[0]
            .iter()
            .filter_map(|c| c.index_key.clone())
            .collect();
        keys.dedup();
        for (status, what) in [
            (S::InvitesMe, "an invitation to me with a document"),
            (S::IsInvitedByMe, "an invitation of mine with a document"),
        ] {
            assert!(
                lists[0]
                    .iter()
                    .any(|c| c.current_status == Some(status as i32)
                        && c.invitation_document_id.is_some()),
                "{what}"
            );
            assert!(
                lists[0]
                    .iter()
                    .any(|c| c.current_status == Some(status as i32)
                        && c.invitation_document_id.is_none()),
                "{what}: and one without"
            );
        }
        assert!(
            lists[0]
                .iter()
                .any(|c| c.organization.is_roaming == Some(true))
        );
        assert_eq!(keys.len(), 250);
        let names: std::collections::HashSet<_> = lists[0]
            .iter()
            .map(|c| c.organization.full_name.clone())
            .collect();
        assert_eq!(names.len(), 250, "names are distinct");
    }
}
