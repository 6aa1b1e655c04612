import time

from tests.integration.pipeline_support import book_many, build_hall, wait_until_settled, workers


def test_x(db, database_url):
    hall = build_hall(db, size=60)
    made = book_many(db, hall, 500)
    t=time.monotonic()
    with workers(database_url, 4):
        with db.connection() as conn:
            while conn.execute("select count(*) from procrastinate_workers").fetchone()[0] < 4: time.sleep(0.05)
        print("workers up", time.monotonic()-t); t=time.monotonic()
        print("settled", wait_until_settled(db, made, timeout=150))
    with db.connection() as conn:
        print(conn.execute("select result, count(*) from booking_assignment_attempts group by 1").fetchall())
        print(conn.execute("select attempts, count(*) from procrastinate_jobs group by 1 order by 1").fetchall())
        print(conn.execute("select state, count(*) from bookings group by 1").fetchall())
        print(conn.execute("select max(created_at)-min(created_at) from booking_assignment_attempts").fetchall())
