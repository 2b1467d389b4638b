"""The one parser: every shape X sends, the recorded samples, the sample stream, dead letters, envelopes."""

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from ingestion.normalized import Mention, NormalizedTweet, ParseError, PayloadFormat
from ingestion.parsing import parse_document, parse_envelope

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLES = FIXTURES / "x"
SAMPLE_TWEETS = FIXTURES / "sample_stream" / "sample_tweets.jsonl"

# How many tweets each recorded X API body holds.
TWEETS_PER_SAMPLE = {
    "aaa_tweet_create_events_CONSTRUCTED.json": 1,
    "docs_v2_tweet_reply_with_expansions.json": 1,
    "docs_v2_tweet_with_hashtags_urls.json": 1,
    "docs_xaa_post_mention_create.json": 1,
    "stream_filtered_retweet_with_includes_tweets.json": 1,
    "stream_filtered_tweet_with_urls_refekt.json": 1,
    "tweepy_v1_1_status_reply_with_mentions.json": 1,
    "tweepy_v1_1_status_with_hashtags.json": 1,
    "tweepy_v2_create_tweet_201.json": 1,
    "tweepy_v2_delete_tweet_200.json": 0,  # {"data": {"deleted": true}}
    "tweepy_v2_get_tweet_by_id_200.json": 1,
    "tweepy_v2_get_tweets_by_ids_200.json": 2,
    "tweepy_v2_search_recent_200.json": 10,
    "tweepy_v2_users_mentions_200.json": 10,
}

# The malformed lines of sample_tweets.jsonl (1-based), one dead letter each: a tweet without id, not
# JSON, an invalid date, a data item that is a number, a JSON array, a non-numeric id, a v1.1 tweet
# without id_str, a cut-off line, and a page with one tweet without id among good ones.
MALFORMED_SAMPLE_LINES = {1, 4, 7, 21, 28, 30, 35, 38, 46}


def v2_tweet(tweet_id: str = "1001", text: str = "@BSNLCorporate no signal #BSNLSeva", **fields) -> dict:
    return {
        "id": tweet_id,
        "text": text,
        "author_id": "501",
        "created_at": "2026-11-20T03:00:00.000Z",
        "conversation_id": tweet_id,
        "lang": "en",
        "edit_history_tweet_ids": [tweet_id],
        **fields,
    }


def v1_tweet(tweet_id: str = "2001", text: str = "@BSNLCorporate no signal #BSNLSeva", **fields) -> dict:
    return {
        "created_at": "Fri Nov 20 03:06:00 +0000 2026",
        "id": int(tweet_id),
        "id_str": tweet_id,
        "text": text,
        "truncated": False,
        "user": {"id": 601, "id_str": "601", "name": "Kavya", "screen_name": "kavya_ch"},
        "entities": {"hashtags": [], "user_mentions": [], "urls": []},
        "in_reply_to_status_id_str": None,
        "lang": "en",
        **fields,
    }


def page(*tweets: object, **includes: list) -> bytes:
    document = {"data": list(tweets), "meta": {"result_count": len(tweets)}}
    if includes:
        document["includes"] = includes
    return orjson.dumps(document)


def only_tweet(document: bytes | str | dict) -> NormalizedTweet:
    parsed = parse_document(document)
    assert parsed.dead_letters == []
    assert len(parsed.tweets) == 1
    return parsed.tweets[0]


def sample_lines() -> list[bytes]:
    return SAMPLE_TWEETS.read_bytes().splitlines()


def expected_tweet_ids() -> set[int]:
    rows = (FIXTURES / "sample_stream" / "sample_expected.tsv").read_text().splitlines()[1:]
    return {int(row.split("\t")[0]) for row in rows}


def observed_error_body(entry: str) -> bytes:
    return orjson.dumps(orjson.loads((SAMPLES / "errors_observed.json").read_bytes())[entry]["body"])


def all_sample_tweets() -> list[NormalizedTweet]:
    documents = [*sample_lines(), *(path.read_bytes() for path in sorted(SAMPLES.glob("*.json")))]
    return [tweet for document in documents for tweet in parse_document(document).tweets]


# The sample stream


@pytest.mark.parametrize("name", sorted(TWEETS_PER_SAMPLE))
def test_every_recorded_x_api_body_parses_without_dead_letters(name):
    parsed = parse_document((SAMPLES / name).read_bytes())

    assert parsed.dead_letters == []
    assert len(parsed.tweets) == TWEETS_PER_SAMPLE[name]


def test_every_sample_file_is_covered():
    assert {path.name for path in SAMPLES.glob("*.json")} == {*TWEETS_PER_SAMPLE, "errors_observed.json"}


@pytest.mark.parametrize(
    "entry",
    [
        "duplicate_content_403",
        "rate_limited_429",
        "usage_capped_429",
        "stream_operational_disconnect_in_stream",
        "stream_too_many_connections",
    ],
)
def test_an_observed_error_body_is_an_api_error_not_a_dead_letter(entry):
    parsed = parse_document(observed_error_body(entry))

    assert (parsed.tweets, parsed.dead_letters, parsed.skipped) == ([], [], 1)
    assert len(parsed.api_errors) == 1


def test_the_observed_partial_error_page_keeps_its_tweet_and_reports_the_error():
    parsed = parse_document(observed_error_body("partial_error_200"))

    assert [tweet.id for tweet in parsed.tweets] == [123]
    assert parsed.api_errors[0]["resource_id"] == "456"
    assert parsed.skipped == 0


def test_the_observed_empty_search_page_is_skipped():
    parsed = parse_document(observed_error_body("empty_search_200"))

    assert (parsed.tweets, parsed.dead_letters, parsed.api_errors, parsed.skipped) == ([], [], [], 1)


def test_the_sample_file_gives_one_dead_letter_for_each_malformed_line():
    dead_letters_per_line = {
        number: len(parse_document(line).dead_letters) for number, line in enumerate(sample_lines(), 1)
    }

    assert {number for number, count in dead_letters_per_line.items() if count} == MALFORMED_SAMPLE_LINES
    assert sum(dead_letters_per_line.values()) == len(MALFORMED_SAMPLE_LINES)


def test_every_expected_sample_tweet_comes_out_of_the_sample_file():
    parsed = {tweet.id for line in sample_lines() for tweet in parse_document(line).tweets}

    assert expected_tweet_ids() <= parsed


def test_included_tweets_of_the_sample_file_do_not_come_out_as_tweets():
    parsed = {tweet.id for line in sample_lines() for tweet in parse_document(line).tweets}

    assert parsed <= expected_tweet_ids()


def test_every_sample_tweet_comes_back_from_its_envelope_stored_as_json():
    tweets = all_sample_tweets()

    assert len(tweets) > 200
    for tweet in tweets:
        assert parse_envelope(orjson.loads(orjson.dumps(tweet.envelope))) == tweet


def test_the_envelope_keeps_only_the_users_the_tweet_needs():
    page_line = sample_lines()[1]
    included_users = len(orjson.loads(page_line)["includes"]["users"])
    tweet = parse_document(page_line).tweets[0]

    assert included_users > 2
    assert [user["id"] for user in tweet.envelope["users"]] == [str(tweet.author_id)]


# Shapes


def test_a_v2_page_gives_every_tweet_of_its_data_list():
    parsed = parse_document(page(v2_tweet("1"), v2_tweet("2"), v2_tweet("3")))

    assert [tweet.id for tweet in parsed.tweets] == [1, 2, 3]
    assert {tweet.format for tweet in parsed.tweets} == {PayloadFormat.V2}


def test_a_single_lookup_gives_the_tweet_of_its_data_object():
    tweet = only_tweet(orjson.dumps({"data": v2_tweet("42")}))

    assert tweet.id == 42


def test_a_bare_v2_tweet_object_is_a_tweet():
    tweet = only_tweet(orjson.dumps(v2_tweet("43")))

    assert (tweet.id, tweet.format) == (43, PayloadFormat.V2)


def test_a_document_may_be_str_bytes_or_an_already_decoded_dict():
    document = {"data": [v2_tweet("44")], "includes": {"users": [{"id": "501", "username": "asha"}]}}

    from_bytes = only_tweet(orjson.dumps(document))
    from_str = only_tweet(orjson.dumps(document).decode())
    from_dict = only_tweet(document)

    assert from_bytes == from_str == from_dict


def test_all_fields_of_a_v2_reply_are_read():
    tweet = only_tweet(
        page(
            v2_tweet(
                "1002",
                "@BSNLCorporate still waiting #BSNLSeva",
                conversation_id="1001",
                in_reply_to_user_id="700",
                referenced_tweets=[{"type": "replied_to", "id": "1001"}],
                entities={
                    "hashtags": [{"start": 29, "end": 38, "tag": "BSNLSeva"}],
                    "mentions": [{"start": 0, "end": 14, "username": "BSNLCorporate", "id": "1000003"}],
                },
            ),
            users=[{"id": "501", "name": "Asha", "username": "asha_k"}],
        )
    )

    assert tweet == NormalizedTweet(
        id=1002,
        text="@BSNLCorporate still waiting #BSNLSeva",
        author_id=501,
        author_handle="asha_k",
        created_at=datetime(2026, 11, 20, 3, 0, tzinfo=UTC),
        conversation_id=1001,
        in_reply_to_tweet_id=1001,
        in_reply_to_user_id=700,
        quoted_tweet_id=None,
        is_retweet=False,
        hashtags=("BSNLSeva",),
        mentions=(Mention("BSNLCorporate", 1000003),),
        lang="en",
        media=(),
        edit_history_ids=(1002,),
        format=PayloadFormat.V2,
        envelope={},
    )


def test_a_long_post_text_is_the_note_text():
    long_text = "Speed post not delivered. " * 20 + "#PostalSeva"
    tweet = only_tweet(page(v2_tweet(text=long_text[:270] + "…", note_tweet={"text": long_text})))

    assert tweet.text == long_text


def test_a_hashtag_only_in_the_long_post_full_text_is_found():
    long_text = "@manojsinhabjp Speed post not delivered. " * 8 + "#PostalSeva"
    tweet = only_tweet(
        page(
            v2_tweet(
                text=long_text[:270] + "…",
                note_tweet={"text": long_text},
                entities={"mentions": [{"start": 0, "end": 14, "username": "manojsinhabjp", "id": "1000001"}]},
            )
        )
    )

    assert tweet.hashtags == ("PostalSeva",)
    assert tweet.mentions == (Mention("manojsinhabjp", 1000001),)


def test_the_renamed_post_fields_of_the_newest_spec_are_read():
    tweet = only_tweet(
        orjson.dumps(
            {
                "data": {
                    "id": "1005",
                    "text": "short…",
                    "note_post": {"text": "the whole post #MTNLSeva"},
                    "referenced_posts": [{"type": "quoted", "id": "900"}],
                    "edit_history_post_ids": ["1004", "1005"],
                },
                "includes": {"posts": [{"id": "900", "text": "Dial 1800 for help."}]},
            }
        )
    )

    assert (tweet.text, tweet.hashtags) == ("the whole post #MTNLSeva", ("MTNLSeva",))
    assert (tweet.quoted_tweet_id, tweet.edit_history_ids) == (900, (1004, 1005))
    assert tweet.envelope["tweets"] == [{"id": "900", "text": "Dial 1800 for help."}]


@pytest.mark.parametrize("line", ["", "\r\n", b"\r\n", "   \n"], ids=["empty", "crlf", "crlf-bytes", "spaces"])
def test_a_stream_keep_alive_line_is_skipped(line):
    parsed = parse_document(line)

    assert (parsed.tweets, parsed.dead_letters, parsed.skipped) == ([], [], 1)


def test_an_error_only_stream_line_is_skipped_and_its_error_reported():
    disconnect = {"title": "operational-disconnect", "disconnect_type": "UpstreamOperationalDisconnect"}

    parsed = parse_document(orjson.dumps({"errors": [disconnect]}))

    assert (parsed.tweets, parsed.dead_letters, parsed.skipped) == ([], [], 1)
    assert parsed.api_errors == [disconnect]


def test_a_stream_line_keeps_its_matching_rules_in_the_envelope():
    rules = [{"id": "1620041380532740096", "tag": "bsnl"}]

    tweet = only_tweet(orjson.dumps({"data": v2_tweet(), "includes": {}, "matching_rules": rules}))

    assert tweet.envelope["matching_rules"] == rules


def test_an_account_activity_payload_gives_its_v1_tweets():
    parsed = parse_document(
        orjson.dumps({"for_user_id": "1000001", "tweet_create_events": [v1_tweet("2001"), v1_tweet("2002")]})
    )

    assert [(tweet.id, tweet.format) for tweet in parsed.tweets] == [
        (2001, PayloadFormat.V1),
        (2002, PayloadFormat.V1),
    ]
    assert parsed.tweets[0].envelope["for_user_id"] == "1000001"


def test_a_v1_tweet_is_read_field_by_field():
    tweet = only_tweet(
        orjson.dumps(
            v1_tweet(
                "2003",
                "@BSNLCorporate still down #BSNLSeva",
                in_reply_to_status_id_str="2001",
                in_reply_to_user_id_str="1000003",
                quoted_status_id_str="1999",
                entities={
                    "hashtags": [{"text": "BSNLSeva", "indices": [26, 35]}],
                    "user_mentions": [{"screen_name": "BSNLCorporate", "id_str": "1000003", "indices": [0, 14]}],
                },
            )
        )
    )

    assert tweet == NormalizedTweet(
        id=2003,
        text="@BSNLCorporate still down #BSNLSeva",
        author_id=601,
        author_handle="kavya_ch",
        created_at=datetime(2026, 11, 20, 3, 6, tzinfo=UTC),
        conversation_id=None,
        in_reply_to_tweet_id=2001,
        in_reply_to_user_id=1000003,
        quoted_tweet_id=1999,
        is_retweet=False,
        hashtags=("BSNLSeva",),
        mentions=(Mention("BSNLCorporate", 1000003),),
        lang="en",
        media=(),
        edit_history_ids=(2003,),
        format=PayloadFormat.V1,
        envelope={},
    )


def test_a_truncated_v1_tweet_is_read_from_its_extended_tweet():
    full_text = "@manojsinhabjp " + "MTNL landline dead for 6 days. " * 9 + "#MTNLSeva"
    tweet = only_tweet(
        orjson.dumps(
            {
                "for_user_id": "1000001",
                "tweet_create_events": [
                    v1_tweet(
                        text=full_text[:137] + "…",
                        truncated=True,
                        entities={"hashtags": [], "user_mentions": [], "urls": []},
                        extended_tweet={
                            "full_text": full_text,
                            "entities": {
                                "hashtags": [{"text": "MTNLSeva", "indices": [len(full_text) - 9, len(full_text)]}],
                                "user_mentions": [
                                    {"screen_name": "manojsinhabjp", "id_str": "1000001", "indices": [0, 14]}
                                ],
                            },
                        },
                    )
                ],
            }
        )
    )

    assert tweet.text == full_text
    assert tweet.hashtags == ("MTNLSeva",)
    assert tweet.mentions == (Mention("manojsinhabjp", 1000001),)


def test_a_v1_date_with_an_offset_becomes_utc():
    tweet = only_tweet(orjson.dumps(v1_tweet(created_at="Fri Nov 20 08:36:00 +0530 2026")))

    assert tweet.created_at == datetime(2026, 11, 20, 3, 6, tzinfo=UTC)


def test_account_activity_events_without_tweets_are_skipped():
    parsed = parse_document(orjson.dumps({"for_user_id": "1000001", "favorite_events": [{"id": "x"}]}))

    assert (parsed.tweets, parsed.dead_letters, parsed.skipped) == ([], [], 1)


def test_an_x_activity_mention_event_gives_its_post_in_the_xaa_format():
    event = {
        "data": {
            "event_uuid": "77",
            "filter": {"user_id": "1000003"},
            "event_type": "post.mention.create",
            "tag": "mentions",
            "payload": v2_tweet("1010", "hey @BSNLCorporate"),
            "includes": {"users": [{"id": "501", "username": "asha_k"}]},
        }
    }

    tweet = only_tweet(orjson.dumps(event))

    assert (tweet.id, tweet.format, tweet.author_handle) == (1010, PayloadFormat.XAA, "asha_k")
    assert tweet.envelope["event"] == {
        "event_uuid": "77",
        "event_type": "post.mention.create",
        "filter": {"user_id": "1000003"},
        "tag": "mentions",
    }


def test_an_x_activity_event_that_is_not_a_new_post_is_skipped():
    event = {"data": {"event_type": "follow.follow", "payload": {"source": {"id": "1"}}, "includes": {}}}

    parsed = parse_document(orjson.dumps(event))

    assert (parsed.tweets, parsed.dead_letters, parsed.skipped) == ([], [], 1)


# Fields


def test_a_v2_retweet_is_a_retweet():
    tweet = only_tweet(page(v2_tweet(referenced_tweets=[{"type": "retweeted", "id": "900"}])))

    assert tweet.is_retweet


def test_a_v1_tweet_with_retweeted_status_is_a_retweet():
    tweet = only_tweet(orjson.dumps(v1_tweet(retweeted_status=v1_tweet("1999"))))

    assert tweet.is_retweet


def test_a_v2_quote_is_not_a_retweet_and_names_the_quoted_tweet():
    tweet = only_tweet(page(v2_tweet(referenced_tweets=[{"type": "quoted", "id": "900"}])))

    assert (tweet.is_retweet, tweet.quoted_tweet_id) == (False, 900)


def test_an_edited_tweet_lists_its_versions_oldest_first():
    tweet = only_tweet(page(v2_tweet("1003", edit_history_tweet_ids=["1003", "1001", "1002"])))

    assert tweet.edit_history_ids == (1001, 1002, 1003)
    assert tweet.original_id == 1001


def test_a_tweet_without_edit_history_is_its_own_history():
    fields = v2_tweet("1001")
    del fields["edit_history_tweet_ids"]

    assert only_tweet(page(fields)).edit_history_ids == (1001,)


def test_html_entities_in_the_text_are_unescaped():
    tweet = only_tweet(page(v2_tweet(text="Bills &amp; recharge &lt;urgent&gt; #BSNLSeva")))

    assert tweet.text == "Bills & recharge <urgent> #BSNLSeva"


def test_nul_characters_are_removed_from_the_text_and_the_envelope():
    line = page(v2_tweet(text="no signal\u0000 #BSNLSeva", lang="e\u0000n"))

    tweet = only_tweet(line)

    assert (tweet.text, tweet.lang) == ("no signal #BSNLSeva", "en")
    assert b"\\u0000" not in orjson.dumps(tweet.envelope)


def test_nul_characters_are_removed_from_a_decoded_document():
    tweet = only_tweet({"data": [v2_tweet(text="no signal\x00 #BSNLSeva")]})

    assert tweet.text == "no signal #BSNLSeva"


def test_a_created_at_of_v2_is_an_aware_utc_datetime():
    tweet = only_tweet(page(v2_tweet(created_at="2026-11-20T08:30:00.000+05:30")))

    assert tweet.created_at == datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    assert tweet.created_at.utcoffset().total_seconds() == 0


def test_a_tweet_without_created_at_has_no_date():
    fields = v2_tweet()
    del fields["created_at"]

    assert only_tweet(page(fields)).created_at is None


def test_the_author_handle_comes_from_the_included_users():
    tweet = only_tweet(page(v2_tweet(author_id="501"), users=[{"id": "501", "username": "asha_k"}]))

    assert tweet.author_handle == "asha_k"


def test_an_unknown_author_has_an_empty_handle():
    assert only_tweet(page(v2_tweet(author_id="501"))).author_handle == ""


def test_a_mention_without_an_id_takes_it_from_the_included_users():
    tweet = only_tweet(
        page(
            v2_tweet(
                text="@bsnlcorporate help",
                entities={"mentions": [{"start": 0, "end": 14, "username": "bsnlcorporate"}]},
            ),
            users=[{"id": "1000003", "username": "BSNLCorporate"}],
        )
    )

    assert tweet.mentions == (Mention("bsnlcorporate", 1000003),)


def test_hashtags_come_in_order_of_appearance_once_each():
    tweet = only_tweet(page(v2_tweet(text="#MTNLSeva or #BSNLSeva? #mtnlseva again #PostalSeva")))

    assert tweet.hashtags == ("MTNLSeva", "BSNLSeva", "PostalSeva")


def test_a_text_without_entities_gets_its_hashtags_and_mentions_from_the_text():
    tweet = only_tweet(page(v2_tweet(text="@DoT_India fraud SMS, please act #DOTSeva @manojsinhabjp")))

    assert tweet.hashtags == ("DOTSeva",)
    assert tweet.mentions == (Mention("DoT_India"), Mention("manojsinhabjp"))


def test_entities_and_what_the_text_holds_merge_in_order_of_the_text():
    tweet = only_tweet(
        page(
            v2_tweet(
                text="#BSNLSeva first, then #DOTSeva",
                entities={"hashtags": [{"start": 22, "end": 30, "tag": "DOTSeva"}]},
            )
        )
    )

    assert tweet.hashtags == ("BSNLSeva", "DOTSeva")


def test_a_hindi_hashtag_keeps_its_vowel_signs():
    tweet = only_tweet(page(v2_tweet(text="नेटवर्क बंद है। #बीएसएनएल_सेवा कृपया")))

    assert tweet.hashtags == ("बीएसएनएल_सेवा",)


def test_an_email_address_is_not_a_mention_and_a_number_is_not_a_hashtag():
    tweet = only_tweet(page(v2_tweet(text="write to help@bsnl.co.in about bill #2026 and C#")))

    assert (tweet.hashtags, tweet.mentions) == ((), ())


def test_v2_media_are_joined_with_the_included_media():
    tweet = only_tweet(
        page(
            v2_tweet(attachments={"media_keys": ["3_77", "7_78"]}),
            media=[
                {"media_key": "3_77", "type": "photo", "url": "https://pbs.twimg.com/media/a.jpg"},
                {"media_key": "7_78", "type": "video", "preview_image_url": "https://pbs.twimg.com/b.jpg"},
            ],
        )
    )

    assert tweet.media == (
        {"media_key": "3_77", "type": "photo", "url": "https://pbs.twimg.com/media/a.jpg"},
        {"media_key": "7_78", "type": "video", "url": "https://pbs.twimg.com/b.jpg"},
    )


def test_v1_media_come_from_the_extended_entities():
    photo = {"id_str": "77", "type": "photo", "media_url_https": "https://pbs.twimg.com/media/a.jpg"}
    tweet = only_tweet(orjson.dumps(v1_tweet(extended_entities={"media": [photo]})))

    assert tweet.media == ({"media_key": "3_77", "type": "photo", "url": "https://pbs.twimg.com/media/a.jpg"},)


# Malformed input: a dead letter with a reason, and the rest of the document goes on


@pytest.mark.parametrize(
    ("bad_tweet", "reason"),
    [
        ({"text": "no id #BSNLSeva"}, "tweet has no id"),
        ({"id": "not-a-number", "text": "#BSNLSeva"}, "tweet id is not a valid id"),
        ({"id": "99999999999999999999", "text": "#BSNLSeva"}, "tweet id is not a valid id"),
        ({"id": "1009"}, "tweet has no text"),
        ({"id": "1009", "text": None}, "tweet has no text"),
        ({"id": "1009", "text": 12}, "tweet text is a number, not a string"),
        ({"id": "1009", "text": ""}, "tweet text is empty"),
        ({"id": "1009", "text": "x", "created_at": "yesterday"}, "created_at is not a valid date"),
        ({"id": "1009", "text": "x", "author_id": "abc"}, "author_id is not a valid id"),
        ({"id": "1009", "text": "x", "entities": {"hashtags": ["BSNLSeva"]}}, "tweet has an unexpected shape"),
        (42, "tweet is a number, not an object"),
    ],
    ids=[
        "no-id",
        "non-numeric-id",
        "id-beyond-bigint",
        "no-text",
        "null-text",
        "number-text",
        "empty-text",
        "invalid-date",
        "invalid-author-id",
        "malformed-entities",
        "not-an-object",
    ],
)
def test_a_malformed_tweet_is_a_dead_letter_while_the_others_parse(bad_tweet, reason):
    parsed = parse_document(page(v2_tweet("1"), bad_tweet, v2_tweet("2")))

    assert [tweet.id for tweet in parsed.tweets] == [1, 2]
    assert len(parsed.dead_letters) == 1
    assert parsed.dead_letters[0].reason.startswith(reason)
    assert orjson.loads(parsed.dead_letters[0].raw) == bad_tweet


def test_a_malformed_v1_tweet_is_a_dead_letter_while_the_others_parse():
    payload = {"for_user_id": "1", "tweet_create_events": [v1_tweet("2001"), {"text": "no id"}, v1_tweet("2002")]}

    parsed = parse_document(orjson.dumps(payload))

    assert [tweet.id for tweet in parsed.tweets] == [2001, 2002]
    assert [letter.reason for letter in parsed.dead_letters] == ["tweet has no id_str"]


def test_an_invalid_v1_date_is_a_dead_letter():
    parsed = parse_document(orjson.dumps(v1_tweet(created_at="Fri Nov 31 03:06:00 +0000 2026")))

    assert [letter.reason for letter in parsed.dead_letters] == [
        "created_at is not a valid date: 'Fri Nov 31 03:06:00 +0000 2026'"
    ]


def test_a_dead_letter_keeps_the_id_it_could_read():
    parsed = parse_document(page({"id": "1009", "text": "x", "created_at": "yesterday"}))

    assert parsed.dead_letters[0].tweet_id == "1009"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("this is not json", "line is not valid JSON: "),
        ('{"data": [{"id": "1"', "line is not valid JSON: "),
        (b"\xff\xfe{", "line is not valid JSON: "),
        ("[1, 2, 3]", "line is JSON but not an object: it is an array"),
        ('"a string"', "line is JSON but not an object: it is a string"),
        ('{"hello": "world"}', "JSON object is none of the shapes X sends (its keys: hello)"),
        ('{"data": 7}', "data is a number, neither a list of tweets nor a tweet"),
    ],
    ids=["not-json", "cut-off", "not-utf8", "array", "string", "unknown-object", "data-number"],
)
def test_an_unreadable_line_is_one_dead_letter_holding_the_whole_line(line, reason):
    parsed = parse_document(line)

    assert parsed.tweets == []
    assert len(parsed.dead_letters) == 1
    assert parsed.dead_letters[0].reason.startswith(reason)
    assert parsed.dead_letters[0].raw == (line if isinstance(line, str) else line.decode("utf-8", "backslashreplace"))


def test_a_line_nested_too_deeply_to_clean_is_a_dead_letter():
    line = '{"a":' * 1000 + '"\\u0000"' + "}" * 1000

    assert [letter.reason for letter in parse_document(line).dead_letters] == ["document is nested too deeply"]


def test_a_decoded_document_that_is_not_json_is_a_dead_letter():
    parsed = parse_document({"data": [{"id": "1", "text": object()}]})

    assert parsed.dead_letters[0].reason.startswith("document cannot be written as JSON")


def test_a_dead_letter_of_a_line_holds_no_nul():
    parsed = parse_document("not json\x00 at all")

    assert parsed.dead_letters[0].raw == "not json at all"


# Envelopes


def test_an_envelope_of_an_unknown_format_is_a_parse_error():
    with pytest.raises(ParseError, match="envelope format 'v3' is not one of"):
        parse_envelope({"format": "v3", "tweet": v2_tweet()})


def test_an_envelope_without_a_tweet_is_a_parse_error():
    with pytest.raises(ParseError, match="envelope has no tweet object"):
        parse_envelope({"format": "v2"})


def test_an_envelope_holding_a_malformed_tweet_is_a_parse_error():
    with pytest.raises(ParseError, match="tweet has an unexpected shape"):
        parse_envelope({"format": "v2", "tweet": {"id": "1", "text": "x", "entities": {"mentions": [3]}}})


def test_an_envelope_whose_tweet_cannot_be_read_raises_the_reason():
    with pytest.raises(ParseError, match=r"^tweet has no id$"):
        parse_envelope({"format": "v2", "tweet": {"text": "x"}})
