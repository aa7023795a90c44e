//! Contents of seeded documents: formalized ones as XML in the shape of the FNS formats (a
//! header, a seller and a buyer, product rows), the others as PDFs. Rows are added until the
//! file reaches the wanted size, so the seed can put GetDocflows near its 1048576-byte cap
//! (api.md, GetDocflows, "Size cap").

use bytes::Bytes;

use super::DocumentKind;
use crate::pdf;

const PRODUCTS: &[(&str, &str, u64)] = &[
    ("Бумага офисная А4, 500 листов", "пач", 38_900),
    ("Картридж лазерный CF259X", "шт", 1_249_000),
    ("Кабель ВВГнг-LS 3х2,5", "м", 11_250),
    ("Цемент М500 Д0, 50 кг", "меш", 61_000),
    ("Перчатки трикотажные с ПВХ", "пар", 4_500),
    ("Монитор 24\" IPS", "шт", 1_399_000),
    ("Стол офисный 1400х700", "шт", 899_000),
    ("Кофе в зёрнах, 1 кг", "уп", 189_000),
    ("Труба стальная 57х3,5", "м", 92_500),
    ("Доска обрезная 50х150х6000", "м3", 2_150_000),
    ("Услуги по доставке груза", "усл", 750_000),
    ("Масло моторное 5W-40, 4 л", "шт", 329_000),
];

/// The parties and numbers a document's content mentions.
pub(crate) struct Header<'a> {
    pub number: &'a str,
    pub date: &'a str,
    pub seller: &'a str,
    pub seller_inn: &'a str,
    pub buyer: &'a str,
    pub buyer_inn: &'a str,
    pub file_id: &'a str,
}

/// A document's content and the totals written in it (kopecks).
pub(crate) struct Content {
    pub bytes: Bytes,
    pub total: u64,
    pub vat: u64,
}

/// Builds the content of a `kind` document, about `size` bytes long.
pub(crate) fn build(kind: DocumentKind, header: &Header<'_>, size: usize) -> Content {
    match kind {
        DocumentKind::UniversalTransferDocument => xml(header, "СЧФДОП", "1115131", size),
        DocumentKind::Invoice => xml(header, "СЧФ", "1115131", size),
        DocumentKind::Nonformalized => contract_pdf(header, size),
        DocumentKind::ProformaInvoice => proforma_pdf(header, size),
    }
}

fn money(kopecks: u64) -> String {
    format!("{}.{:02}", kopecks / 100, kopecks % 100)
}

fn xml(h: &Header<'_>, function: &str, knd: &str, size: usize) -> Content {
    let mut rows = String::new();
    let (mut total, mut vat) = (0, 0);
    let mut n = 0;
    // ~330 bytes per row; stop once the whole file would reach `size`.
    while rows.len() + 900 < size || n == 0 {
        let (name, unit, price) = PRODUCTS[n % PRODUCTS.len()];
        let qty = 1 + (n as u64 * 7) % 40;
        let net = price * qty;
        let tax = net / 5;
        total += net + tax;
        vat += tax;
        n += 1;
        rows.push_str(&format!(
            "      <СведТов НомСтр=\"{n}\" НаимТов=\"{name}\" ОКЕИ_Тов=\"796\" НаимЕдИзм=\"{unit}\" \
             КолТов=\"{qty}\" ЦенаТов=\"{}\" СтТовБезНДС=\"{}\" НалСт=\"20%\" СтТовУчНал=\"{}\">\n        \
             <СумНал><СумНал>{}</СумНал></СумНал>\n      </СведТов>\n",
            money(price),
            money(net),
            money(net + tax),
            money(tax)
        ));
    }
    let text = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <Файл ИдФайл=\"{id}\" ВерсФорм=\"5.03\" ВерсПрог=\"edi-sandbox 0.1\">\n  \
         <Документ КНД=\"{knd}\" Функция=\"{function}\" ДатаИнфПр=\"{date}\" \
         НаимЭконСубСост=\"{seller}\">\n    \
         <СвСчФакт НомерДок=\"{number}\" ДатаДок=\"{date}\">\n      \
         <СвПрод><ИдСв><СвЮЛУч НаимОрг=\"{seller}\" ИННЮЛ=\"{seller_inn}\"/></ИдСв></СвПрод>\n      \
         <СвПокуп><ИдСв><СвЮЛУч НаимОрг=\"{buyer}\" ИННЮЛ=\"{buyer_inn}\"/></ИдСв></СвПокуп>\n      \
         <ДенИзм КодОКВ=\"643\" НаимОКВ=\"Российский рубль\"/>\n    </СвСчФакт>\n    \
         <ТаблСчФакт>\n{rows}      <ВсегоОпл СтТовБезНДСВсего=\"{net}\" СтТовУчНалВсего=\"{total}\">\
         <СумНалВсего><СумНал>{vat}</СумНал></СумНалВсего></ВсегоОпл>\n    </ТаблСчФакт>\n  \
         </Документ>\n</Файл>\n",
        id = h.file_id,
        date = h.date,
        number = h.number,
        seller = escape(h.seller),
        seller_inn = h.seller_inn,
        buyer = escape(h.buyer),
        buyer_inn = h.buyer_inn,
        net = money(total - vat),
        total = money(total),
        vat = money(vat),
    );
    Content {
        bytes: Bytes::from(text.into_bytes()),
        total,
        vat,
    }
}

/// XML attribute escaping for names like `ООО «Альфа-Трейд»` (quotes are the only risk here).
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

fn contract_pdf(h: &Header<'_>, size: usize) -> Content {
    let lines = vec![
        format!(
            "SUPPLY AGREEMENT No. {} dated {}",
            ascii_number(h.number),
            h.date
        ),
        String::new(),
        format!("Supplier: INN {}", h.seller_inn),
        format!("Buyer: INN {}", h.buyer_inn),
        String::new(),
    ];
    let clauses = [
        "The Supplier undertakes to deliver the goods in the quantities and at the prices",
        "agreed in the specifications, which form an integral part of this agreement.",
        "Payment is made within 30 calendar days of the date of the transfer document.",
        "The parties exchange legally significant documents through an EDI operator.",
    ];
    let lines = fill(lines, size, |i| {
        format!("{}.{} {}", 1 + i / 4, 1 + i % 4, clauses[i % 4])
    });
    Content {
        bytes: Bytes::from(pdf::render("Supply agreement", &lines)),
        total: 0,
        vat: 0,
    }
}

fn proforma_pdf(h: &Header<'_>, size: usize) -> Content {
    let lines = vec![
        format!(
            "INVOICE FOR PAYMENT No. {} dated {}",
            ascii_number(h.number),
            h.date
        ),
        format!("Payee: INN {}   Payer: INN {}", h.seller_inn, h.buyer_inn),
        String::new(),
    ];
    let mut total = 0;
    let mut lines = fill(lines, size.saturating_sub(60), |n| {
        let price = PRODUCTS[n % PRODUCTS.len()].2;
        let qty = 1 + (n as u64 * 3) % 12;
        total += price * qty;
        format!(
            "{:>3}. item {:04}   qty {qty:>3}   price {:>12}   sum {:>14}",
            n + 1,
            n + 1,
            money(price),
            money(price * qty)
        )
    });
    lines.push(format!("TOTAL: {} RUB incl. VAT 20%", money(total)));
    Content {
        bytes: Bytes::from(pdf::render("Invoice for payment", &lines)),
        total,
        vat: total / 6,
    }
}

/// Appends `next(i)` lines until the rendered PDF would be about `size` bytes. The size is
/// estimated (a line costs its length plus the text operator; a page about 200 bytes) so the
/// PDF is rendered once, not once per line.
fn fill(mut lines: Vec<String>, size: usize, mut next: impl FnMut(usize) -> String) -> Vec<String> {
    let mut estimate = pdf::render("", &lines).len();
    let mut i = 0;
    while estimate < size || i == 0 {
        let line = next(i);
        i += 1;
        estimate += line.len() + 4 + if lines.len() % 60 == 0 { 200 } else { 0 };
        lines.push(line);
    }
    lines
}

/// Document numbers may carry Cyrillic prefixes (`Д-1000`); the PDF fonts draw ASCII only.
fn ascii_number(number: &str) -> String {
    number
        .chars()
        .map(|c| match c {
            'Д' => "D".to_owned(),
            'С' => "S".to_owned(),
            'Ч' => "Ch".to_owned(),
            c if c.is_ascii() => c.to_string(),
            _ => "?".to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header<'static> {
        Header {
            number: "Д-1",
            date: "01.02.2025",
            seller: "ООО «Альфа»",
            seller_inn: "7707083893",
            buyer: "АО «Бета»",
            buyer_inn: "7707083893",
            file_id: "ON_NSCHFDOPPR_1",
        }
    }

    #[test]
    fn contents_reach_the_wanted_size() {
        for kind in [
            DocumentKind::Nonformalized,
            DocumentKind::UniversalTransferDocument,
            DocumentKind::Invoice,
            DocumentKind::ProformaInvoice,
        ] {
            for size in [3_000, 38_000] {
                let c = build(kind, &header(), size);
                let len = c.bytes.len();
                assert!(
                    len >= size - 1_000 && len < size + 2_000,
                    "{kind:?} {size} → {len}"
                );
            }
        }
    }

    #[test]
    fn xml_totals_add_up() {
        let c = build(DocumentKind::Invoice, &header(), 5_000);
        assert!(c.total > c.vat && c.vat > 0);
        let text = std::str::from_utf8(&c.bytes).expect("utf-8");
        assert!(text.contains(&format!("СтТовУчНалВсего=\"{}\"", money(c.total))));
    }
}
