use std::collections::BTreeMap;

use curve25519_dalek::constants::EIGHT_TORSION;
use ed25519_dalek::{Verifier as _, VerifyingKey};
use proptest::prelude::*;

use super::*;
use crate::ids::DocId;

fn genesis(key: &DeviceKey) -> Record {
    let doc = DocId::from_bytes([7; 16]);
    Record::sign(
        key,
        Unsigned {
            community: RecordId::ZERO,
            timestamp: 1_700_000_000_000,
            parents: vec![],
            payload: Payload::Genesis(Genesis {
                name: "Coop".into(),
                charter: Version {
                    doc,
                    heads: Heads::default(),
                },
                colleges: vec![College {
                    id: "staff".into(),
                    name: "Staff".into(),
                    weight: 1,
                }],
                founders: vec![Founder {
                    member: key.public(),
                    name: "Alice".into(),
                    college: "staff".into(),
                }],
                rules: Rules {
                    amend: Rule::new(Method::Consent),
                    admit: Rule::new(Method::Consent),
                    exclude: Rule::new(Method::Qualified),
                    rules: Rule::new(Method::Consensus),
                },
                facilitators: vec![],
            }),
        },
    )
    .expect("sign")
}

#[test]
fn signed_records_round_trip_and_verify() {
    let key = DeviceKey::from_seed(&[1; 32]);
    let record = genesis(&key);
    let again = Record::decode(record.bytes()).expect("decode");
    assert_eq!(again.id(), record.id());
    assert_eq!(again.community(), record.id());
    assert!(again.verify_signature().is_ok());
    assert_eq!(verify_signatures(&[&again]), vec![true]);
}

#[test]
fn a_flipped_byte_breaks_the_signature_or_the_structure() {
    let key = DeviceKey::from_seed(&[1; 32]);
    let record = genesis(&key);
    for at in 0..record.bytes().len() {
        let mut bytes = record.bytes().to_vec();
        bytes[at] ^= 0x01;
        match Record::decode(&bytes) {
            Err(_) => {}
            Ok(r) => assert!(r.verify_signature().is_err(), "flip at {at} still verifies"),
        }
    }
}

// ---------------------------------------------------------------------------
// verify_signatures says exactly what verify_strict says.
//
// The crafted signatures below are made with raw scalars, as a malicious
// signer would: `a` is a secret scalar, `A` an encoding chosen by the test
// (possibly of a point with a torsion component), and R and s are computed
// by hand.

/// The order ℓ of the prime-order subgroup, little-endian.
const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// `2^255 - 19 + 1`: a non-canonical encoding of y = 1 (the identity).
const IDENTITY_Y_PLUS_P: [u8; 32] = [
    0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
];

/// y = 1 with the sign bit of x set: "negative zero", another non-canonical
/// encoding of the identity.
const IDENTITY_NEGATIVE_ZERO: [u8; 32] = {
    let mut bytes = [0u8; 32];
    bytes[0] = 1;
    bytes[31] = 0x80;
    bytes
};

fn scalar(label: &str, n: u64) -> Scalar {
    let mut hash = Sha512::new();
    hash.update(label.as_bytes());
    hash.update(n.to_le_bytes());
    Scalar::from_bytes_mod_order_wide(&hash.finalize().into())
}

/// `k = SHA-512(R ‖ A ‖ M) mod ℓ`, as ed25519 defines it.
fn challenge(r: &[u8; 32], a: &[u8; 32], message: &[u8]) -> Scalar {
    let mut hash = Sha512::new();
    hash.update(r);
    hash.update(a);
    hash.update(message);
    Scalar::from_bytes_mod_order_wide(&hash.finalize().into())
}

fn signature(r: &[u8; 32], s: &[u8; 32]) -> [u8; 64] {
    let mut bytes = [0u8; 64];
    bytes[..32].copy_from_slice(r);
    bytes[32..].copy_from_slice(s);
    bytes
}

/// A `member.apply` record by `author` at `timestamp`, signed by `sign`
/// (which gets the signed message).
fn forge(author: [u8; 32], timestamp: u64, sign: impl FnOnce(&[u8]) -> [u8; 64]) -> Record {
    let template = Record::sign(
        &DeviceKey::from_seed(&[9; 32]),
        Unsigned {
            community: RecordId([5; 32]),
            timestamp,
            parents: vec![RecordId([5; 32])],
            payload: Payload::Apply(Apply {
                name: "Mallory".into(),
                college: "staff".into(),
                motivation: "trust me".into(),
                invitation: None,
            }),
        },
    )
    .expect("sign");
    let mut body = template.bytes()[..template.bytes().len() - 64].to_vec();
    let at = MAGIC.len() + 1 + Kind::Apply.name().len() + 32;
    body[at..at + 32].copy_from_slice(&author);
    let signature = sign(&signed_message(Kind::Apply, &template.0.community, &body));
    body.extend_from_slice(&signature);
    Record::decode(&body).expect("structurally valid")
}

/// What `verify_strict` says, through the single-record path.
fn strict(record: &Record) -> bool {
    record.verify_signature().is_ok()
}

/// What plain cofactorless ed25519-dalek `verify` (not strict) says.
fn loose(record: &Record) -> bool {
    let (message, signature) = record.message_and_signature();
    VerifyingKey::from_bytes(record.0.author.as_bytes()).is_ok_and(|key| {
        key.verify(
            &message,
            &ed25519_dalek::Signature::from_bytes(&signature.0),
        )
        .is_ok()
    })
}

/// What raw `ed25519_dalek::verify_batch` says about these records together.
fn raw_batch(records: &[&Record]) -> bool {
    let mut messages = Vec::new();
    let mut signatures = Vec::new();
    let mut keys = Vec::new();
    for record in records {
        let (message, signature) = record.message_and_signature();
        let Ok(key) = VerifyingKey::from_bytes(record.0.author.as_bytes()) else {
            return false;
        };
        messages.push(message);
        signatures.push(ed25519_dalek::Signature::from_bytes(&signature.0));
        keys.push(key);
    }
    let messages: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
}

/// `verify_signatures` (on 1, 2 and 3 threads) gives each record what the
/// single-record strict check gives it.
fn check(records: &[Record]) -> Vec<bool> {
    let refs: Vec<&Record> = records.iter().collect();
    let expected: Vec<bool> = records.iter().map(strict).collect();
    assert_eq!(verify_signatures(&refs), expected);
    for threads in [1, 2, 3] {
        assert_eq!(
            verify_signatures_on(&refs, threads),
            expected,
            "{threads} threads"
        );
    }
    expected
}

/// A signer's secret scalar and a public key whose point is `aB + torsion`.
struct RawKey {
    a: Scalar,
    public: [u8; 32],
}

impl RawKey {
    fn new(n: u64, torsion: EdwardsPoint) -> Self {
        let a = scalar("secret", n);
        let public = (EdwardsPoint::mul_base(&a) + torsion).compress().0;
        RawKey { a, public }
    }

    /// Sign with nonce point `rB + torsion`: the ed25519 equations, with a
    /// torsion component slipped into R.
    fn sign(&self, message: &[u8], nonce: u64, torsion: EdwardsPoint) -> [u8; 64] {
        let r = scalar("nonce", nonce);
        let big_r = (EdwardsPoint::mul_base(&r) + torsion).compress().0;
        let k = challenge(&big_r, &self.public, message);
        signature(&big_r, (r + k * self.a).as_bytes())
    }
}

fn identity() -> EdwardsPoint {
    EIGHT_TORSION[0]
}

#[test]
fn honest_raw_signatures_verify() {
    let key = RawKey::new(1, identity());
    let records: Vec<Record> = (0..4)
        .map(|n| forge(key.public, n, |m| key.sign(m, n, identity())))
        .collect();
    assert_eq!(check(&records), vec![true; 4]);
}

#[test]
fn small_order_keys_are_refused_though_they_sign_anything() {
    let mut encodings: Vec<[u8; 32]> = EIGHT_TORSION.iter().map(|t| t.compress().0).collect();
    encodings.extend([IDENTITY_Y_PLUS_P, IDENTITY_NEGATIVE_ZERO]);
    for encoding in encodings {
        let point = CompressedEdwardsY(encoding).decompress().expect("a point");
        assert!(point.is_small_order());
        // With R = rB and s = r, the cofactorless equation R = sB - kA holds
        // whenever kA vanishes: for one message in ord(A) at most, under
        // plain `verify` (k) or under the batch (zk mod ℓ).
        let forged = (0..64)
            .map(|timestamp| {
                forge(encoding, timestamp, |_| {
                    let r = scalar("nonce", timestamp);
                    let big_r = EdwardsPoint::mul_base(&r).compress().0;
                    signature(&big_r, r.as_bytes())
                })
            })
            .find(|record| loose(record) || raw_batch(&[record]))
            .expect("a weak key 'signs' some message within 64 tries");
        if point == identity() {
            assert!(loose(&forged) && raw_batch(&[&forged]), "every message");
        }
        assert!(!strict(&forged));
        assert_eq!(check(&[forged]), vec![false]);
    }
}

#[test]
fn non_canonical_r_is_refused() {
    let key = RawKey::new(2, identity());
    for r in [IDENTITY_Y_PLUS_P, IDENTITY_NEGATIVE_ZERO] {
        let record = forge(key.public, 1, |_| signature(&r, &[0; 32]));
        assert_eq!(check(&[record]), vec![false]);
        // With a weak key and s = 0 everything in the batch equation is the
        // identity: the batch accepts a non-canonical R that strict refuses.
        let weak = forge(EIGHT_TORSION[0].compress().0, 1, |_| {
            signature(&r, &[0; 32])
        });
        assert!(raw_batch(&[&weak]));
        assert_eq!(check(&[weak]), vec![false]);
    }
}

#[test]
fn mixed_order_r_is_refused_though_the_batch_can_be_ground_to_accept_it() {
    let key = RawKey::new(3, identity());
    for (order_index, torsion) in EIGHT_TORSION.iter().enumerate().skip(1) {
        // A third party adding a torsion point to a valid signature's R.
        let honest = forge(key.public, 7, |m| key.sign(m, 7, identity()));
        assert!(strict(&honest));
        let (_, valid) = honest.message_and_signature();
        let (r, s) = valid.0.split_at(32);
        let r = CompressedEdwardsY(r.try_into().expect("32 bytes"))
            .decompress()
            .expect("R");
        let mixed_r = r + torsion;
        assert!(!mixed_r.is_small_order() && !mixed_r.is_torsion_free());
        let tampered = forge(key.public, 7, |_| {
            signature(&mixed_r.compress().0, s.try_into().expect("32 bytes"))
        });
        // The signer itself: R = rB + T with s = r + ka, every equation right
        // but for T.
        let crafted = forge(key.public, 8, |m| key.sign(m, 8, *torsion));
        assert!(!loose(&crafted), "plain verify compares encodings");
        assert_eq!(
            check(&[tampered, crafted]),
            vec![false, false],
            "torsion {order_index}"
        );
    }
    // With T of order 2 the batch residual is zT: zero whenever the
    // transcript-derived weight z is even. A signer re-rolls z by changing
    // the timestamp, until a batch holding the record among valid ones
    // passes.
    let order_two = EIGHT_TORSION[4];
    let fooled = ground_into_a_passing_batch(|timestamp| {
        Some(forge(key.public, timestamp, |m| {
            key.sign(m, timestamp, order_two)
        }))
    });
    assert!(!strict(&fooled[fooled.len() - 1]));
    let mut expected = vec![true; fooled.len()];
    expected[fooled.len() - 1] = false;
    assert_eq!(check(&fooled), expected);
}

/// Eight valid records and a crafted one, re-rolled (`craft` gets 0, 1, …
/// and may pass) until raw `verify_batch` accepts the nine together. The
/// crafted record comes last.
fn ground_into_a_passing_batch(mut craft: impl FnMut(u64) -> Option<Record>) -> Vec<Record> {
    let honest = DeviceKey::from_seed(&[30; 32]);
    let mut records: Vec<Record> = (0..8)
        .map(|n| forge(*honest.public().as_bytes(), 1000 + n, |m| honest.sign(m).0))
        .collect();
    for timestamp in 0..256 {
        let Some(crafted) = craft(timestamp) else {
            continue;
        };
        records.push(crafted);
        let refs: Vec<&Record> = records.iter().collect();
        if raw_batch(&refs) {
            return records;
        }
        records.pop();
    }
    panic!("no passing batch within 256 tries");
}

#[test]
fn non_canonical_s_is_refused() {
    let key = RawKey::new(4, identity());
    let honest = forge(key.public, 1, |m| key.sign(m, 1, identity()));
    let (_, signature) = honest.message_and_signature();
    // s + ℓ: the same scalar mod ℓ, so the group equation still holds.
    let mut s_plus_ell = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(signature.0[32 + i]) + u16::from(ELL[i]) + carry;
        s_plus_ell[i] = sum as u8;
        carry = sum >> 8;
    }
    let mut r = [0u8; 32];
    r.copy_from_slice(&signature.0[..32]);
    let mut s_high_bit = [0u8; 32];
    s_high_bit.copy_from_slice(&signature.0[32..]);
    s_high_bit[31] |= 0x80;
    let records = [
        honest.clone(),
        forge(key.public, 1, |_| self::signature(&r, &s_plus_ell)),
        forge(key.public, 1, |_| self::signature(&r, &s_high_bit)),
        forge(key.public, 1, |_| self::signature(&r, &ELL)),
    ];
    assert_eq!(check(&records), vec![true, false, false, false]);
}

#[test]
fn mixed_order_keys_get_exactly_what_verify_strict_says() {
    // verify_strict accepts a key with a torsion component (only small-order
    // keys are refused), so a signer who knows a can make signatures it
    // accepts: R = rB - [k mod 8]T, found by grinding r.
    let torsion = EIGHT_TORSION[1];
    let key = RawKey::new(5, torsion);
    let strict_valid: Vec<Record> = (0..8u64)
        .map(|timestamp| {
            let mut nonce = timestamp * 1000;
            loop {
                nonce += 1;
                let record = forge(key.public, timestamp, |message| {
                    let r = scalar("nonce", nonce);
                    let guess = (nonce % 8) as usize;
                    let big_r = (EdwardsPoint::mul_base(&r) - EIGHT_TORSION[guess])
                        .compress()
                        .0;
                    let k = challenge(&big_r, &key.public, message);
                    signature(&big_r, (r + k * key.a).as_bytes())
                });
                if strict(&record) {
                    break record;
                }
            }
        })
        .collect();
    assert_eq!(check(&strict_valid), vec![true; 8]);
    // The batch equation disagrees with strict here as well: it refuses
    // most of these (its weight multiplies k mod ℓ, not k, against T).
    assert!(strict_valid.iter().any(|record| !raw_batch(&[record])));

    // And the honest equations with a mixed key fail strict unless k ≡ 0
    // (mod 8), while the batch can be ground to accept them.
    let fooled = ground_into_a_passing_batch(|timestamp| {
        let record = forge(key.public, timestamp, |m| {
            key.sign(m, timestamp, identity())
        });
        (!strict(&record)).then_some(record)
    });
    let mut expected = vec![true; fooled.len()];
    expected[fooled.len() - 1] = false;
    assert_eq!(check(&fooled), expected);
}

#[test]
fn every_record_of_a_mixed_call_gets_its_own_answer() {
    let honest_keys: Vec<DeviceKey> = (20..23).map(|n| DeviceKey::from_seed(&[n; 32])).collect();
    let raw = RawKey::new(6, identity());
    let mixed_key = RawKey::new(7, EIGHT_TORSION[3]);
    let mut records = Vec::new();
    for n in 0..3 * PARALLEL_MIN as u64 {
        let record = match n % 9 {
            // Honest records through Record::sign.
            0..=2 => {
                let key = &honest_keys[(n % 3) as usize];
                forge(*key.public().as_bytes(), n, |m| key.sign(m).0)
            }
            // Signed, then the timestamp changed.
            3 => {
                let key = &honest_keys[0];
                let signed = forge(*key.public().as_bytes(), n, |m| key.sign(m).0);
                let mut bytes = signed.bytes().to_vec();
                let at = MAGIC.len() + 1 + Kind::Apply.name().len() + 64 + 7;
                bytes[at] ^= 1;
                Record::decode(&bytes).expect("decode")
            }
            4 => forge(raw.public, n, |m| {
                raw.sign(m, n, EIGHT_TORSION[(n % 8) as usize])
            }),
            5 => forge(EIGHT_TORSION[(n % 8) as usize].compress().0, n, |m| {
                raw.sign(m, n, identity())
            }),
            6 => forge(mixed_key.public, n, |m| mixed_key.sign(m, n, identity())),
            7 => forge(raw.public, n, |m| {
                let mut bytes = raw.sign(m, n, identity());
                bytes[63] |= 0x10;
                bytes
            }),
            _ => forge(raw.public, n, |m| raw.sign(m, n, identity())),
        };
        records.push(record);
    }
    let answers = check(&records);
    assert!(answers.iter().filter(|&&valid| valid).count() >= records.len() / 3);
    assert!(answers.iter().any(|valid| !valid));
    assert!(check(&[]).is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The table decoder of ids and change hashes reads exactly what the
    /// `hex` crate reads: 64 digits of either case, nothing else.
    #[test]
    fn hex32_reads_what_hex_reads(
        bytes in any::<[u8; 32]>(),
        upper in any::<bool>(),
        at in 0..80usize,
        with in prop::sample::select(vec!['g', 'G', ' ', '/', ':', '@', '`', 'é', '0', 'f', 'F']),
        cut in any::<bool>(),
    ) {
        let mut text = hex::encode(bytes);
        if upper {
            text = text.to_uppercase();
        }
        prop_assert_eq!(hex32(&text), Some(bytes));
        let mut chars: Vec<char> = text.chars().collect();
        if cut {
            chars.truncate(at % 64);
        } else if at < chars.len() {
            chars[at] = with;
        } else {
            chars.push(with);
        }
        let changed: String = chars.into_iter().collect();
        let mut expected = [0u8; 32];
        let expected = hex::decode_to_slice(&changed, &mut expected).ok().map(|()| expected);
        prop_assert_eq!(hex32(&changed), expected);
    }

    #[test]
    fn any_change_to_a_signature_is_judged_as_verify_strict_judges_it(
        seed in any::<u8>(),
        at in 0..64usize,
        mask in 1..=255u8,
        noise in proptest::collection::vec(any::<u8>(), 64),
    ) {
        let key = DeviceKey::from_seed(&[seed; 32]);
        let flipped = forge(*key.public().as_bytes(), u64::from(seed), |m| {
            let mut bytes = key.sign(m).0;
            bytes[at] ^= mask;
            bytes
        });
        let random = forge(*key.public().as_bytes(), u64::from(seed), |_| {
            let mut bytes = [0u8; 64];
            bytes.copy_from_slice(&noise);
            bytes
        });
        let answers = check(&[flipped, random]);
        prop_assert_eq!(answers, vec![false, false]);
    }
}

// ---------------------------------------------------------------------------
// The test vectors of docs/records.md, rebuilt with Record::sign.

const RECORDS_MD: &str = include_str!("../../../docs/records.md");

/// The fenced blocks of a Markdown text with this info string. In each
/// block, `name: value` starts a field and indented lines continue it.
fn blocks(markdown: &str, info: &str) -> Vec<BTreeMap<String, String>> {
    let mut blocks = Vec::new();
    let mut current: Option<(BTreeMap<String, String>, String)> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_end() == format!("```{info}") => {
                current = Some((BTreeMap::new(), String::new()));
            }
            None => {}
            Some(_) if line.trim_end() == "```" => {
                if let Some((fields, _)) = current.take() {
                    blocks.push(fields);
                }
            }
            Some((fields, last)) => {
                if line.starts_with(' ') {
                    let value = fields.get_mut(last.as_str()).expect("a field to continue");
                    value.push_str(line.trim());
                } else {
                    let (name, value) = line.split_once(':').expect("`name: value`");
                    *last = name.trim().to_owned();
                    fields.insert(last.clone(), value.trim().to_owned());
                }
            }
        }
    }
    blocks
}

fn ids(text: &str) -> Vec<RecordId> {
    if text == "-" {
        return Vec::new();
    }
    text.split(',')
        .map(|id| id.trim().parse().expect("a record id"))
        .collect()
}

#[test]
fn the_test_vectors_in_docs_records_md_are_what_record_sign_produces() {
    let vectors = blocks(RECORDS_MD, "vector");
    assert_eq!(vectors.len(), 3, "docs/records.md has three vectors");
    let mut built: Vec<Record> = Vec::new();
    for vector in &vectors {
        let field = |name: &str| {
            vector
                .get(name)
                .unwrap_or_else(|| panic!("vector field `{name}`"))
                .as_str()
        };
        let mut seed = [0u8; 32];
        hex::decode_to_slice(field("seed"), &mut seed).expect("seed hex");
        let key = DeviceKey::from_seed(&seed);
        assert_eq!(key.public().to_string(), field("public key"));
        let kind = Kind::from_name(field("kind")).expect("a kind");
        let payload = Payload::from_json(kind, field("payload").as_bytes()).expect("payload");
        assert_eq!(
            payload.to_json(),
            field("payload").as_bytes(),
            "the payload is written in canonical form"
        );
        let unsigned = Unsigned {
            community: field("community").parse().expect("community"),
            timestamp: field("timestamp").parse().expect("timestamp"),
            parents: ids(field("parents")),
            payload,
        };
        let record = Record::sign(&key, unsigned).expect("sign");
        let name = field("name");
        assert_eq!(
            hex::encode(record.bytes()),
            field("record"),
            "{name}: record bytes"
        );
        let (message, signature) = record.message_and_signature();
        assert_eq!(
            hex::encode(Sha256::digest(&message)),
            field("message sha256"),
            "{name}: signed message"
        );
        if let Some(full) = vector.get("message") {
            assert_eq!(&hex::encode(&message), full, "{name}: signed message");
        }
        assert_eq!(
            hex::encode(signature.0),
            field("signature"),
            "{name}: signature"
        );
        assert_eq!(record.id().to_string(), field("id"), "{name}: id");
        assert_eq!(record.bytes().len().to_string(), field("record length"));
        assert_eq!(message.len().to_string(), field("message length"));
        assert_eq!(record.parents(), ids(field("parents")), "{name}: parents");
        assert!(strict(&record));
        built.push(record);
    }
    // They form one community: the genesis, an application citing it, a
    // reaction citing both.
    let [genesis, apply, react] = &built[..] else {
        unreachable!("three vectors")
    };
    assert_eq!(genesis.kind(), Kind::Genesis);
    assert_eq!(genesis.community(), genesis.id());
    assert_eq!(apply.community(), genesis.id());
    assert_eq!(apply.parents(), [genesis.id()]);
    assert_eq!(react.community(), genesis.id());
    let mut both = vec![genesis.id(), apply.id()];
    both.sort();
    assert_eq!(react.parents(), both);
    assert_eq!(verify_signatures(&[genesis, apply, react]), vec![true; 3]);

    // The annotated layout is vector (b), field by field.
    let layout: String = RECORDS_MD
        .split("```layout")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a layout block")
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .flat_map(|hex| hex.split_whitespace())
        .collect();
    assert_eq!(layout, hex::encode(apply.bytes()));
}

/// The field names of a kind's payload, in declaration order, as serde
/// lists them when it meets an unknown field.
fn payload_fields(kind: Kind) -> Vec<String> {
    let Err(RecordError::Payload { detail, .. }) = Payload::from_json(kind, br#"{"?":0}"#) else {
        panic!("`?` is not a field of {kind}");
    };
    let Some((_, expected)) = detail.split_once("expected ") else {
        return Vec::new();
    };
    // "expected `a`", "expected `a` or `b`", "expected one of `a`, `b`, `c`"
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn docs_records_md_lists_every_kind_and_its_fields_in_order() {
    for &kind in Kind::ALL {
        let heading = format!("**`{}`**", kind.name());
        let table = RECORDS_MD
            .split(heading.as_str())
            .nth(1)
            .unwrap_or_else(|| panic!("docs/records.md has no table for {kind}"));
        let documented: Vec<String> = table
            .lines()
            .skip_while(|line| !line.starts_with("| field"))
            .skip(2)
            .take_while(|line| line.starts_with('|'))
            .filter_map(|line| line.split('`').nth(1))
            .map(str::to_owned)
            .collect();
        assert_eq!(
            documented,
            payload_fields(kind),
            "fields of {kind} in docs/records.md"
        );
        assert!(
            RECORDS_MD.contains(&format!("| `{}` |", kind.name())),
            "{kind} in the table of kinds"
        );
    }
}

/// Re-sign `body` (a record without its signature) with `key`, as a signer
/// who writes its own encoder would.
fn resign(key: &DeviceKey, kind: Kind, community: &RecordId, mut body: Vec<u8>) -> Vec<u8> {
    let signature = key.sign(&signed_message(kind, community, &body));
    body.extend_from_slice(&signature.0);
    body
}

#[test]
fn one_act_has_one_encoding() {
    let key = DeviceKey::from_seed(&[1; 32]);
    let record = genesis(&key);
    let bytes = record.bytes();
    let body = &bytes[..bytes.len() - 64];
    let payload = record.payload().to_json();
    let start = body.len() - payload.len();
    let text = String::from_utf8(payload.clone()).expect("utf-8");
    // Same act, other spellings: whitespace, uppercase hex, fields reordered.
    let spaced = text.replacen(":", ": ", 1);
    let upper = text.replace(
        &key.public().to_string(),
        &key.public().to_string().to_uppercase(),
    );
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    let reordered = {
        let map = value.as_object().expect("object");
        let mut keys: Vec<&String> = map.keys().collect();
        keys.reverse();
        let fields: Vec<String> = keys
            .iter()
            .map(|k| format!("{}:{}", serde_json::to_string(k).expect("key"), map[*k]))
            .collect();
        format!("{{{}}}", fields.join(","))
    };
    for variant in [spaced, upper, reordered] {
        assert_ne!(variant.as_bytes(), payload.as_slice());
        assert!(
            Payload::from_json(Kind::Genesis, variant.as_bytes()).is_ok(),
            "{variant}"
        );
        let mut new_body = body[..start - 4].to_vec();
        new_body.extend_from_slice(&(variant.len() as u32).to_be_bytes());
        new_body.extend_from_slice(variant.as_bytes());
        let signed = resign(&key, Kind::Genesis, &RecordId::ZERO, new_body);
        assert_eq!(
            Record::decode(&signed).map(|r| r.id()),
            Err(RecordError::NotCanonical("community.genesis")),
            "{variant}"
        );
    }
    // The canonical bytes, re-signed the same way, decode to the same record.
    let same = resign(&key, Kind::Genesis, &RecordId::ZERO, body.to_vec());
    assert_eq!(Record::decode(&same).expect("decode").id(), record.id());
}

#[test]
fn unsound_keys_are_told_apart_from_honest_ones() {
    for seed in 0..8u8 {
        assert!(DeviceKey::from_seed(&[seed; 32]).public().is_sound());
    }
    let torsion = curve25519_dalek::constants::EIGHT_TORSION;
    for point in torsion {
        assert!(!PublicKey::from_bytes(point.compress().0).is_sound());
    }
    let honest = DeviceKey::from_seed(&[9; 32]).public();
    let point = curve25519_dalek::edwards::CompressedEdwardsY(*honest.as_bytes())
        .decompress()
        .expect("point");
    let mixed = PublicKey::from_bytes((point + torsion[1]).compress().0);
    assert!(!mixed.is_sound());
}

/// Every kind has its words and its gender in every language; French says
/// them otherwise than the name written in records.
#[test]
fn every_kind_is_said_in_every_language() {
    use crate::i18n::Lang;
    for kind in Kind::ALL {
        for lang in Lang::ALL {
            assert!(
                lang.catalog().has(&kind.message_id(), None),
                "no `{}` in {lang:?}",
                kind.message_id()
            );
        }
        assert_eq!(kind.said(Lang::En), kind.name());
        let french = kind.said(Lang::Fr);
        assert_ne!(french, kind.name(), "{kind:?}");
        assert!(!french.contains('.'), "{french}");
        let gender = kind.gender(Lang::Fr);
        assert!(
            gender == "feminine" || gender == "masculine",
            "no French gender for {kind:?}: {gender}"
        );
    }
    assert_eq!(Kind::Apply.said(Lang::Fr), "candidature");
    assert_eq!(Kind::Apply.gender(Lang::Fr), "feminine");
    assert_eq!(Kind::Leave.gender(Lang::Fr), "masculine");
}
