//! Seeded organizations: the users' own (with their boxes) and the counteragents' (generated from
//! name parts), with realistic Russian details: INN/KPP/OGRN with valid check digits, addresses,
//! and `FnsParticipantId` in the `2BM-<inn>-<kpp>-<digits>` shape (api.md, "Identifiers").

use edi_proto::diadoc::api::proto as dap;

use super::ids::{box_ids, guid, individual_inn, legal_inn, ogrn, ogrnip};

/// Where an organization is registered: region code, city, postcode, street.
pub(crate) struct Place {
    pub region: u32,
    pub city: &'static str,
    pub zip: &'static str,
    pub street: &'static str,
}

pub(crate) const PLACES: &[Place] = &[
    place(77, "Москва", "125009", "ул. Тверская"),
    place(78, "Санкт-Петербург", "191186", "Невский пр-кт"),
    place(66, "Екатеринбург", "620014", "ул. Малышева"),
    place(54, "Новосибирск", "630099", "Красный пр-кт"),
    place(16, "Казань", "420111", "ул. Баумана"),
    place(52, "Нижний Новгород", "603005", "ул. Большая Покровская"),
    place(63, "Самара", "443099", "ул. Куйбышева"),
    place(23, "Краснодар", "350000", "ул. Красная"),
    place(59, "Пермь", "614000", "Комсомольский пр-кт"),
    place(36, "Воронеж", "394036", "пр-кт Революции"),
];

const fn place(region: u32, city: &'static str, zip: &'static str, street: &'static str) -> Place {
    Place {
        region,
        city,
        zip,
        street,
    }
}

/// Legal forms: short and full.
const FORMS: &[(&str, &str)] = &[
    ("ООО", "Общество с ограниченной ответственностью"),
    ("АО", "Акционерное общество"),
    ("ООО", "Общество с ограниченной ответственностью"),
    ("ПАО", "Публичное акционерное общество"),
];

/// Name roots × suffixes give 250 distinct counteragent names (`Альфа-Трейд`, `Вектор-Снаб`, …).
const ROOTS: &[&str] = &[
    "Альфа",
    "Вектор",
    "Гранит",
    "Дельта",
    "Импульс",
    "Кедр",
    "Меридиан",
    "Орион",
    "Полюс",
    "Ресурс",
    "Сигма",
    "Спектр",
    "Стандарт",
    "Техно",
    "Феникс",
    "Электрон",
    "Эталон",
    "Янтарь",
    "Восток",
    "Заря",
    "Искра",
    "Континент",
    "Прогресс",
    "Старт",
    "Байкал",
];
const SUFFIXES: &[&str] = &[
    "Трейд",
    "Снаб",
    "Логистик",
    "Строй",
    "Агро",
    "Пром",
    "Сервис",
    "Групп",
    "Инвест",
    "Маркет",
];
const SURNAMES: &[(&str, &str, &str)] = &[
    ("Иванов", "Иван", "Петрович"),
    ("Смирнова", "Анна", "Сергеевна"),
    ("Кузнецов", "Дмитрий", "Олегович"),
    ("Попова", "Елена", "Викторовна"),
    ("Соколов", "Андрей", "Николаевич"),
    ("Лебедева", "Ольга", "Игоревна"),
    ("Новиков", "Максим", "Александрович"),
    ("Морозова", "Татьяна", "Юрьевна"),
    ("Волков", "Сергей", "Михайлович"),
    ("Зайцева", "Наталья", "Павловна"),
];

/// One of the users' own organizations, described by hand.
pub(crate) struct OwnOrg {
    pub key: &'static str,
    pub form: usize,
    pub name: &'static str,
    pub place: usize,
    /// Box titles; the first is the organization's main box.
    pub boxes: &'static [&'static str],
}

/// Builds a legal entity with its boxes (`box_titles`, ids derived from `key`).
pub(crate) fn legal_entity(
    key: &str,
    n: u64,
    form: usize,
    name: &str,
    place: &Place,
    box_titles: &[String],
) -> dap::Organization {
    let (short_form, full_form) = FORMS[form % FORMS.len()];
    let inn = legal_inn(place.region, n);
    let kpp = format!("{:02}{:02}01001", place.region, 1 + n % 40);
    let boxes = box_titles
        .iter()
        .enumerate()
        .map(|(i, title)| {
            let (box_id, box_id_guid) = box_ids(&format!("box-{key}-{i}"));
            dap::Box {
                box_id,
                box_id_guid,
                title: title.clone(),
                ..Default::default()
            }
        })
        .collect();
    dap::Organization {
        org_id: guid(&format!("org-{key}")),
        fns_participant_id: Some(participant_id(&inn, Some(&kpp), n)),
        kpp: Some(kpp),
        full_name: format!("{full_form} «{name}»"),
        short_name: Some(format!("{short_form} «{name}»")),
        boxes,
        ogrn: Some(ogrn(place.region, n)),
        address: Some(address(place, n)),
        fns_registration_date: Some(format!(
            "{:02}.{:02}.{}",
            1 + n % 28,
            1 + n % 12,
            2005 + n % 15
        )),
        ifns_code: Some(format!("{:02}{:02}", place.region, 1 + n % 40)),
        is_active: Some(true),
        is_pilot: Some(false),
        is_test: Some(false),
        is_branch: Some(false),
        is_roaming: Some(false),
        is_employee: Some(false),
        is_foreign: Some(false),
        sociability: dap::Sociability::AllOrganizations as i32,
        organization_type: dap::OrganizationType::Juridical as i32,
        ready_for_epd_status: dap::ReadyForEpdStatus::Ready as i32,
        inn,
        ..Default::default()
    }
}

/// An individual entrepreneur (ИП): 12-digit INN, no KPP.
fn entrepreneur(key: &str, n: u64, which: usize, place: &Place) -> dap::Organization {
    let (last, first, middle) = SURNAMES[which % SURNAMES.len()];
    let inn = individual_inn(place.region, n);
    let (box_id, box_id_guid) = box_ids(&format!("box-{key}-0"));
    let short = format!(
        "ИП {last} {}. {}.",
        first.chars().next().unwrap_or('И'),
        middle.chars().next().unwrap_or('И')
    );
    dap::Organization {
        org_id: guid(&format!("org-{key}")),
        fns_participant_id: Some(participant_id(&inn, None, n)),
        full_name: format!("Индивидуальный предприниматель {last} {first} {middle}"),
        short_name: Some(short.clone()),
        boxes: vec![dap::Box {
            box_id,
            box_id_guid,
            title: short,
            ..Default::default()
        }],
        ogrn: Some(ogrnip(place.region, n)),
        address: Some(address(place, n)),
        is_active: Some(true),
        sociability: dap::Sociability::AllOrganizations as i32,
        organization_type: dap::OrganizationType::Individual as i32,
        ready_for_epd_status: dap::ReadyForEpdStatus::Ready as i32,
        inn,
        ..Default::default()
    }
}

/// `2BM-<inn>-<kpp>-<digits>` (api.md, "Identifiers"); the digits look like a registration
/// timestamp followed by a serial.
fn participant_id(inn: &str, kpp: Option<&str>, n: u64) -> String {
    let stamp = format!(
        "20{:02}{:02}{:02}{:02}{:02}{:02}{:07}",
        18 + n % 7,
        1 + n % 12,
        1 + n % 28,
        n % 24,
        n % 60,
        (n * 7) % 60,
        n * 4_801 % 10_000_000
    );
    match kpp {
        Some(kpp) => format!("2BM-{inn}-{kpp}-{stamp}"),
        None => format!("2BM-{inn}-{stamp}"),
    }
}

fn address(place: &Place, n: u64) -> dap::Address {
    dap::Address {
        russian_address: Some(dap::RussianAddress {
            zip_code: Some(place.zip.to_owned()),
            region: format!("{:02}", place.region),
            city: Some(place.city.to_owned()),
            street: Some(place.street.to_owned()),
            building: Some(format!("{}", 1 + n % 120)),
            block: (n % 3 == 0).then(|| format!("{}", 1 + n % 4)),
            apartment: (n % 2 == 0).then(|| format!("оф. {}", 100 + n % 400)),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The users' own organizations (see `Seed::demo` for who sees which).
pub(crate) fn own(orgs: &[OwnOrg]) -> Vec<dap::Organization> {
    orgs.iter()
        .enumerate()
        .map(|(i, o)| {
            let titles: Vec<String> = o.boxes.iter().map(|t| (*t).to_owned()).collect();
            legal_entity(
                o.key,
                1_000 + i as u64 * 37,
                o.form,
                o.name,
                &PLACES[o.place],
                &titles,
            )
        })
        .collect()
}

/// The `i`-th generated counteragent organization (every 25th is an individual entrepreneur).
/// `Departments` stays empty: api.md, GetCounteragents, "always empty in this method".
pub(crate) fn counteragent(i: usize) -> dap::Organization {
    let n = 20_000 + i as u64 * 7_919;
    let place = &PLACES[i % PLACES.len()];
    let key = format!("ca-{i}");
    if i % 25 == 24 {
        return entrepreneur(&key, n, i / 25, place);
    }
    let root = ROOTS[i % ROOTS.len()];
    let suffix = SUFFIXES[(i / ROOTS.len()) % SUFFIXES.len()];
    let round = i / (ROOTS.len() * SUFFIXES.len());
    let name = if round == 0 {
        format!("{root}-{suffix}")
    } else {
        format!("{root}-{suffix} {}", round + 1)
    };
    let title = format!("{} «{name}»", FORMS[i % FORMS.len()].0);
    legal_entity(&key, n, i, &name, place, &[title])
}
