//! The demo EDIN data (the tables in `seed/edin.rs`'s docs) as rows, built into an [`EdinSeed`];
//! and ЄДРПОУ codes with valid check digits.

use super::{
    Company, Dictionary, DictionaryValue, DocumentType, EDIN_CAPTCHA_EMAIL, EDIN_CAPTCHA_PASSWORD,
    EDIN_DEMO_EMAIL, EDIN_DEMO_PASSWORD, EDIN_OTHER_EMAIL, EDIN_OTHER_PASSWORD, EdinSeed, Group,
    Process, ProcessDocument, Step, User,
};
use crate::seed::ids::guid;

/// A company's details in one row.
struct CompanyRow {
    id: i64,
    account: i64,
    form: (&'static str, &'static str),
    name: &'static str,
    edrpou7: u32,
    region: &'static str,
    phone: &'static str,
    info: &'static str,
    at_code: &'static str,
    approved: i32,
}

const TOV: (&str, &str) = ("ТОВ", "Товариство з обмеженою відповідальністю");
const PRAT: (&str, &str) = ("ПрАТ", "Приватне акціонерне товариство");

fn company(row: &CompanyRow) -> Company {
    let code = edrpou(row.edrpou7);
    Company {
        company_id: row.id,
        account_id: row.account,
        kind: 1,
        name: format!("{} «{}»", row.form.0, row.name),
        legal_name: format!("{} «{}»", row.form.1, row.name),
        // Shaped like a legal entity's VAT number: the ЄДРПОУ's first seven digits, the region
        // code, the tax office code, and a final digit (not a checked check digit).
        inn: format!(
            "{}{}{:02}{}",
            &code[..7],
            row.region,
            row.id % 97,
            row.id % 10
        ),
        cert_num: format!("{}{}", &code[2..], row.region),
        code,
        phone: row.phone.to_owned(),
        info: row.info.to_owned(),
        is_approved: row.approved,
        is_signed_offer: 1,
        is_active: 1,
        ownership_type: row.form.1.to_owned(),
        at_code: row.at_code.to_owned(),
        uuid: guid(&format!("edin-company-{}", row.id)),
    }
}

/// (id, account, e-mail, password, ПІБ, phone, owner, captcha, companies)
type UserRow = (
    i64,
    i64,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i32,
    bool,
    &'static [i64],
);

const ROMASHKA: i64 = 104_201;
/// The ids EDIN's `PostAgreementStep` examples name (reference/edin/examples).
const DOCS_EXAMPLE_PROCESS: i64 = 119;
const DOCS_EXAMPLE_STEP: i64 = 477;
const DOCS_EXAMPLE_GROUP: i64 = 136;
const MLYN: i64 = 104_202;
const KARPATY: i64 = 104_305;

const USERS: &[UserRow] = &[
    (
        310_001,
        61_001,
        EDIN_DEMO_EMAIL,
        EDIN_DEMO_PASSWORD,
        "Коваленко Олена Петрівна",
        "+380671234501",
        1,
        false,
        &[ROMASHKA, MLYN],
    ),
    (
        310_002,
        61_001,
        "a.shevchenko@romashka.example.com",
        "shevchenko",
        "Шевченко Андрій Миколайович",
        "+380501234502",
        0,
        false,
        &[ROMASHKA],
    ),
    (
        310_003,
        61_001,
        "i.bondarenko@romashka.example.com",
        "bondarenko",
        "Бондаренко Ірина Василівна",
        "+380931234503",
        0,
        false,
        &[ROMASHKA],
    ),
    (
        310_004,
        61_001,
        "t.melnyk@romashka.example.com",
        "melnyk",
        "Мельник Тарас Олегович",
        "+380661234504",
        0,
        false,
        &[ROMASHKA],
    ),
    (
        310_005,
        61_001,
        "n.kravchenko@romashka.example.com",
        "kravchenko",
        "Кравченко Наталія Іванівна",
        "+380971234505",
        0,
        false,
        &[ROMASHKA],
    ),
    (
        310_011,
        61_002,
        EDIN_OTHER_EMAIL,
        EDIN_OTHER_PASSWORD,
        "Ткаченко Василь Іванович",
        "+380322975311",
        1,
        false,
        &[KARPATY],
    ),
    (
        310_012,
        61_002,
        EDIN_CAPTCHA_EMAIL,
        EDIN_CAPTCHA_PASSWORD,
        "Олійник Марія Степанівна",
        "+380322975312",
        0,
        true,
        &[KARPATY],
    ),
];

/// The demo EDIN data described in the module docs.
pub(crate) fn demo() -> EdinSeed {
    let companies = [
        CompanyRow {
            id: ROMASHKA,
            account: 61_001,
            form: TOV,
            name: "Ромашка-Україна",
            edrpou7: 4_172_839,
            region: "26",
            phone: "+380442901517",
            info: "Оптова торгівля продуктами харчування",
            at_code: "8000000000",
            approved: 1,
        },
        CompanyRow {
            id: MLYN,
            account: 61_001,
            form: PRAT,
            name: "Дніпровський млин",
            edrpou7: 528_714,
            region: "04",
            phone: "+380567440233",
            info: "Виробництво борошна та круп",
            at_code: "1210100000",
            approved: 0,
        },
        CompanyRow {
            id: KARPATY,
            account: 61_002,
            form: TOV,
            name: "Карпатські джерела",
            edrpou7: 3_865_120,
            region: "13",
            phone: "+380322975310",
            info: "Виробництво мінеральної води",
            at_code: "4610100000",
            approved: 1,
        },
    ]
    .iter()
    .map(company)
    .collect();
    // 2024-06-03 08:15:00 UTC, one minute apart per user.
    let users = USERS
        .iter()
        .enumerate()
        .map(
            |(i, &(user_id, account_id, email, password, fio, tel, is_owner, is_captcha, cs))| {
                User {
                    user_id,
                    account_id,
                    email: email.to_owned(),
                    password: password.to_owned(),
                    fio: fio.to_owned(),
                    tel: tel.to_owned(),
                    status: 1,
                    is_owner,
                    is_captcha,
                    last_login_date: 1_717_402_500 + 60 * i as i64,
                    company_ids: cs.to_vec(),
                }
            },
        )
        .collect();
    let group = |group_id, company_id, name: &str, comment: Option<&str>, user_ids: &[i64]| Group {
        group_id,
        company_id,
        name: name.to_owned(),
        comment: comment.map(str::to_owned),
        user_ids: user_ids.to_vec(),
    };
    let groups = vec![
        group(
            520_101,
            ROMASHKA,
            "Бухгалтерія",
            Some("Головний бухгалтер і заступниця"),
            &[310_003, 310_005],
        ),
        group(
            520_102,
            ROMASHKA,
            "Юридичний відділ",
            None,
            &[310_002, 310_004],
        ),
        group(
            520_103,
            ROMASHKA,
            "Керівництво",
            Some("Директор"),
            &[310_001],
        ),
        group(520_111, MLYN, "Склад", Some("Завідувач складу"), &[310_001]),
        // The group of EDIN's `PostAgreementStep` examples (reference/edin/examples), name as
        // printed, trailing space and all.
        group(
            DOCS_EXAMPLE_GROUP,
            ROMASHKA,
            "Группа - 2 ",
            None,
            &[310_002],
        ),
        group(520_201, KARPATY, "Відділ продажів", None, &[310_011]),
    ];
    let process = |proc_id, company_id, name: &str, comment: Option<&str>, status| Process {
        proc_id,
        company_id,
        name: name.to_owned(),
        comment: comment.map(str::to_owned),
        status,
        steps: Vec::new(),
        documents: Vec::new(),
    };
    let mut supply = process(
        730_001,
        ROMASHKA,
        "Погодження договорів постачання",
        Some("Договори з постачальниками на суму понад 50 000 грн"),
        1,
    );
    supply.steps = vec![
        Step {
            step_id: 840_001,
            task_type: 1,
            exec_type: 2,
            exec_period: 3,
            priority: 10,
            group_ids: vec![520_102],
        },
        Step {
            step_id: 840_002,
            task_type: 2,
            exec_type: 1,
            exec_period: 2,
            priority: 5,
            group_ids: vec![520_103],
        },
    ];
    supply.documents = vec![ProcessDocument {
        document_id: 910_001,
        dictionary_value_id: None,
    }];
    // The process and step that EDIN's `PostAgreementStep` examples name, so the examples can
    // be posted as printed (reference/edin/examples).
    let mut docs_example = process(
        DOCS_EXAMPLE_PROCESS,
        ROMASHKA,
        "Приклад із документації EDIN",
        Some("Процес і крок, які названо в прикладах PostAgreementStep"),
        1,
    );
    docs_example.steps = vec![Step {
        step_id: DOCS_EXAMPLE_STEP,
        task_type: 1,
        exec_type: 1,
        exec_period: 0,
        priority: 0,
        group_ids: vec![DOCS_EXAMPLE_GROUP],
    }];
    let processes = vec![
        supply,
        process(
            730_002,
            ROMASHKA,
            "Погодження актів виконаних робіт",
            None,
            2,
        ),
        process(
            730_003,
            MLYN,
            "Погодження видаткових накладних",
            Some("Відвантаження зі складу в Дніпрі"),
            1,
        ),
        process(730_004, KARPATY, "Погодження рахунків", None, 1),
        docs_example,
    ];
    EdinSeed {
        companies,
        users,
        groups,
        processes,
        document_types: document_types(),
        dictionaries: dictionaries(),
    }
}

/// (id, company, name, type, code, active, use type, dictionary)
type DocumentTypeRow = (
    i64,
    i64,
    &'static str,
    i32,
    &'static str,
    i32,
    i32,
    Option<i64>,
);

const DOCUMENT_TYPES: &[DocumentTypeRow] = &[
    (
        910_001,
        ROMASHKA,
        "Договір постачання",
        1,
        "DOG_POST",
        1,
        1,
        None,
    ),
    (
        910_002,
        ROMASHKA,
        "Акт виконаних робіт",
        2,
        "AKT_VR",
        1,
        1,
        Some(950_001),
    ),
    (
        910_003,
        ROMASHKA,
        "Рахунок на оплату",
        1,
        "RAKH",
        0,
        1,
        None,
    ),
    (
        910_004,
        ROMASHKA,
        "Службова записка",
        1,
        "SLUZH_ZAP",
        1,
        2,
        None,
    ),
    (
        910_101,
        MLYN,
        "Видаткова накладна",
        4,
        "VYD_NAKL",
        1,
        1,
        Some(950_101),
    ),
    (
        910_201,
        KARPATY,
        "Рахунок-фактура",
        1,
        "RAKH_FAKT",
        1,
        1,
        None,
    ),
];

fn document_types() -> Vec<DocumentType> {
    DOCUMENT_TYPES
        .iter()
        .map(
            |&(document_id, company_id, name, kind, code, is_active, use_type, dictionary_id)| {
                DocumentType {
                    document_id,
                    company_id,
                    name: name.to_owned(),
                    kind,
                    code: code.to_owned(),
                    is_active,
                    use_type,
                    dictionary_id,
                }
            },
        )
        .collect()
}

fn dictionaries() -> Vec<Dictionary> {
    let value = |value_id, dictionary_id, name: &str, code: &str| DictionaryValue {
        value_id,
        dictionary_id,
        name: name.to_owned(),
        code: code.to_owned(),
        parent_code: None,
        is_active: 1,
    };
    vec![
        Dictionary {
            dictionary_id: 950_001,
            company_id: ROMASHKA,
            name: "Підрозділи".to_owned(),
            is_active: 1,
            values: vec![
                value(951_001, 950_001, "Київ", "KYIV"),
                value(951_002, 950_001, "Львів", "LVIV"),
            ],
        },
        Dictionary {
            dictionary_id: 950_101,
            company_id: MLYN,
            name: "Склади".to_owned(),
            is_active: 1,
            values: vec![
                value(951_101, 950_101, "Склад у Дніпрі", "DNIPRO"),
                value(951_102, 950_101, "Склад у Запоріжжі", "ZAPORIZHZHIA"),
            ],
        },
    ]
}

/// An 8-digit ЄДРПОУ code: `base` (7 digits) and its check digit. The algorithm of the State
/// Statistics Service: weights 1..7, or 7,1..6 for codes between 30 000 000 and 60 000 000; the
/// sum mod 11; if that is 10, again with every weight + 2; if still 10, the digit is 0.
pub fn edrpou(base: u32) -> String {
    let digits: Vec<u32> = format!("{base:07}")
        .bytes()
        .map(|b| u32::from(b - b'0'))
        .collect();
    let middle = (3_000_000..6_000_000).contains(&base);
    let weights = |extra: u32| -> Vec<u32> {
        let w: [u32; 7] = if middle {
            [7, 1, 2, 3, 4, 5, 6]
        } else {
            [1, 2, 3, 4, 5, 6, 7]
        };
        w.iter().map(|x| x + extra).collect()
    };
    let check = |extra| {
        digits
            .iter()
            .zip(weights(extra))
            .map(|(d, w)| d * w)
            .sum::<u32>()
            % 11
    };
    let mut digit = check(0);
    if digit == 10 {
        digit = check(2) % 10;
    }
    format!("{base:07}{digit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edrpou_check_digits_match_published_codes() {
        // Ощадбанк, ПриватБанк, Нова Пошта: public ЄДРПОУ codes.
        assert_eq!(edrpou(3_212), "00032129");
        assert_eq!(edrpou(1_436_057), "14360570");
        assert_eq!(edrpou(3_131_671), "31316718");
    }

    #[test]
    fn the_demo_data_is_consistent() {
        let seed = demo();
        for g in &seed.groups {
            assert!(seed.company(g.company_id).is_some());
            for u in &g.user_ids {
                let user = seed.user_by_id(*u).expect("member exists");
                assert!(user.company_ids.contains(&g.company_id), "{}", user.email);
            }
        }
        for p in &seed.processes {
            for s in &p.steps {
                for g in &s.group_ids {
                    assert_eq!(seed.group(*g).map(|g| g.company_id), Some(p.company_id));
                }
            }
        }
        for d in &seed.document_types {
            assert!(seed.company(d.company_id).is_some());
            if let Some(id) = d.dictionary_id {
                let dict = seed.dictionary(id).expect("dictionary exists");
                assert_eq!(dict.company_id, d.company_id);
                assert!(dict.values.iter().all(|v| v.dictionary_id == id));
            }
        }
        for p in &seed.processes {
            for d in &p.documents {
                let t = seed.document_type(d.document_id).expect("type exists");
                assert_eq!(t.company_id, p.company_id);
            }
        }
        for c in &seed.companies {
            assert_eq!(c.code.len(), 8);
            assert_eq!(c.inn.len(), 12, "{}", c.inn);
            assert_eq!(edrpou(c.code[..7].parse().expect("digits")), c.code);
        }
        assert_eq!(seed.user_index("DEMO@example.com"), Some(0));
    }
}
